// hello world: the floor of startup time and memory.
class Hello
{
    static void Main()
    {
        System.Console.WriteLine("Hello, World!");
    }
}
