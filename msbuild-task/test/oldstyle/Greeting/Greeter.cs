namespace Greeting
{
    public static class Greeter
    {
        public static string Greet(string what)
        {
            return "Hello from " + what + "!";
        }

        public static long SumOfSquares(int n)
        {
            long sum = 0;
            for (int i = 1; i <= n; i++)
            {
                sum += (long)i * i;
            }
            return sum;
        }
    }
}
