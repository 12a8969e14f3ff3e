// Checksum: a strong-named library installed in a GAC-like folder (out/gac/lib/mono/gac, Mono's
// layout <Name>/<Version>__<token>/<Name>.dll), not next to App.exe.
using System.Reflection;

[assembly: AssemblyVersion("1.0.0.0")]

namespace Checksum
{
    public static class Luhn
    {
        // The Luhn check digit of a non-negative number, with integer arithmetic only.
        public static int CheckDigit(int number)
        {
            int sum = 0;
            bool doubleIt = true;
            while (number > 0)
            {
                int digit = number % 10;
                if (doubleIt)
                {
                    digit = digit * 2;
                    if (digit > 9) digit = digit - 9;
                }
                sum = sum + digit;
                doubleIt = !doubleIt;
                number = number / 10;
            }
            return (10 - sum % 10) % 10;
        }
    }
}
