using System;

class Lines
{
    static int Add(int a, int b)
    {
        int sum = a + b;
        return sum;
    }

    static void Main()
    {
        int x = Add(1, 2);
        if (x > 2)
        {
            Console.WriteLine(x);
        }
        foreach (var c in "ab")
            Console.WriteLine(c);
    }
}
