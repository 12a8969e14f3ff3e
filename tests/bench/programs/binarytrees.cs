// binary-trees, shaped as the Computer Language Benchmarks Game program (single-threaded):
// allocate and walk many short-lived perfect binary trees next to one long-lived tree.
// Usage: binarytrees.exe [maxDepth]   (default 16)
using System;

class TreeNode
{
    readonly TreeNode left;
    readonly TreeNode right;

    TreeNode(TreeNode left, TreeNode right)
    {
        this.left = left;
        this.right = right;
    }

    static TreeNode Bottom(int depth)
    {
        if (depth <= 0)
            return new TreeNode(null, null);
        return new TreeNode(Bottom(depth - 1), Bottom(depth - 1));
    }

    int Check()
    {
        if (left == null)
            return 1;
        return 1 + left.Check() + right.Check();
    }

    static void Main(string[] args)
    {
        int n = args.Length > 0 ? int.Parse(args[0]) : 16;
        const int minDepth = 4;
        int maxDepth = Math.Max(minDepth + 2, n);
        int stretchDepth = maxDepth + 1;

        Console.Write("stretch tree of depth ");
        Console.Write(stretchDepth);
        Console.Write("\t check: ");
        Console.WriteLine(Bottom(stretchDepth).Check());

        TreeNode longLived = Bottom(maxDepth);
        for (int depth = minDepth; depth <= maxDepth; depth += 2)
        {
            int iterations = 1 << (maxDepth - depth + minDepth);
            int check = 0;
            for (int i = 0; i < iterations; i++)
                check += Bottom(depth).Check();
            Console.Write(iterations);
            Console.Write("\t trees of depth ");
            Console.Write(depth);
            Console.Write("\t check: ");
            Console.WriteLine(check);
        }

        Console.Write("long lived tree of depth ");
        Console.Write(maxDepth);
        Console.Write("\t check: ");
        Console.WriteLine(longLived.Check());
    }
}
