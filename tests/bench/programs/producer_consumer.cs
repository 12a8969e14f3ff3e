// Producer/consumer (issue 9's multi-threaded benchmark): two producer threads push items
// through a bounded BlockingCollection to two consumer threads, which hash what they take.
// Prints the item count and an order-independent checksum.
// Usage: producer_consumer.exe [items]   (default 1000000)
using System;
using System.Collections.Concurrent;
using System.Threading;

class ProducerConsumer
{
    static void Main(string[] args)
    {
        int items = args.Length > 0 ? int.Parse(args[0]) : 1000000;
        var queue = new BlockingCollection<long>(boundedCapacity: 1024);
        long checksum = 0;
        int taken = 0;
        var producers = new Thread[2];
        int producersLeft = producers.Length;
        for (int p = 0; p < producers.Length; p++)
        {
            int first = p;
            producers[p] = new Thread(() =>
            {
                for (long i = first; i < items; i += 2)
                    queue.Add(i);
                if (Interlocked.Decrement(ref producersLeft) == 0)
                    queue.CompleteAdding();
            });
        }
        var consumers = new Thread[2];
        for (int c = 0; c < consumers.Length; c++)
        {
            consumers[c] = new Thread(() =>
            {
                long local = 0;
                int count = 0;
                foreach (var x in queue.GetConsumingEnumerable())
                {
                    local += (x * 2654435761L) & 0xFFFF;
                    count++;
                }
                Interlocked.Add(ref checksum, local);
                Interlocked.Add(ref taken, count);
            });
        }
        foreach (var t in producers) t.Start();
        foreach (var t in consumers) t.Start();
        foreach (var t in producers) t.Join();
        foreach (var t in consumers) t.Join();
        Console.WriteLine(taken + " " + checksum);
    }
}
