namespace Hello
{
    internal static class Program
    {
        private static int Main(string[] args)
        {
            int count = args.Length > 0 ? int.Parse(args[0]) : 3;
            for (int i = 1; i <= count; i++)
            {
                System.Console.WriteLine(Greeting.Greeter.Greet("build " + i.ToString()));
            }
            System.Console.WriteLine("sum of squares: " + Greeting.Greeter.SumOfSquares(count).ToString());
            return count;
        }
    }
}
