// word count: a string- and dictionary-heavy program. It generates a text of `words` words
// from a fixed pseudo-random sequence (a linear congruential generator, so every run and every
// runtime sees the same text), splits it, counts every word in a Dictionary<string, int>, and
// prints the number of distinct words, the most frequent word and a checksum of the counts.
// Usage: wordcount.exe [words]   (default 1000000)
using System;
using System.Collections.Generic;
using System.Text;

class WordCount
{
    static uint seed = 42;

    static int Next(int bound)
    {
        seed = seed * 1664525u + 1013904223u;
        return (int)((seed >> 8) % (uint)bound);
    }

    static string GenerateText(int words)
    {
        // A vocabulary of 5,000 words, 1–8 letters long, drawn with a skew towards the front.
        string[] vocabulary = new string[5000];
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < vocabulary.Length; i++)
        {
            word.Length = 0;
            int length = 1 + Next(8);
            for (int c = 0; c < length; c++)
                word.Append((char)('a' + Next(26)));
            vocabulary[i] = word.ToString();
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < words; i++)
        {
            if (i > 0)
                text.Append(i % 12 == 0 ? '\n' : ' ');
            int pick = Next(vocabulary.Length);
            text.Append(vocabulary[Next(pick + 1)]);
        }
        return text.ToString();
    }

    static void Main(string[] args)
    {
        int words = args.Length > 0 ? int.Parse(args[0]) : 1000000;
        string text = GenerateText(words);
        Dictionary<string, int> counts = new Dictionary<string, int>();
        foreach (string w in text.Split(' ', '\n'))
        {
            int n;
            counts.TryGetValue(w, out n);
            counts[w] = n + 1;
        }
        string best = null;
        int bestCount = 0;
        long checksum = 0;
        foreach (KeyValuePair<string, int> pair in counts)
        {
            checksum += (long)pair.Value * pair.Key.Length;
            if (pair.Value > bestCount || (pair.Value == bestCount && string.CompareOrdinal(pair.Key, best) < 0))
            {
                best = pair.Key;
                bestCount = pair.Value;
            }
        }
        Console.WriteLine("distinct words: " + counts.Count);
        Console.WriteLine("most frequent: " + best + " (" + bestCount + ")");
        Console.WriteLine("checksum: " + checksum);
    }
}
