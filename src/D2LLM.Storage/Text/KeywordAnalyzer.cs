using System.Globalization;
using System.Text;

namespace D2LLM.Storage.Text;

/// <summary>
/// Terms for BM25 in English and Chinese: runs of letters/digits in alphabetic scripts become lower-cased words;
/// CJK characters, written without spaces, give character unigrams and bigrams.
/// </summary>
public static class KeywordAnalyzer
{
    public static List<string> Terms(string text)
    {
        var terms = new List<string>();
        var word = new StringBuilder();
        char previousCjk = '\0';
        foreach (char c in text.Normalize(NormalizationForm.FormKC))
        {
            if (IsCjk(c))
            {
                Flush();
                terms.Add(c.ToString());
                if (previousCjk != '\0') terms.Add(string.Concat(previousCjk, c));
                previousCjk = c;
                continue;
            }

            previousCjk = '\0';
            if (char.IsLetterOrDigit(c)) word.Append(char.ToLowerInvariant(c));
            else Flush();
        }

        Flush();
        return terms;

        void Flush()
        {
            if (word.Length > 0) terms.Add(word.ToString());
            word.Clear();
        }
    }

    private static bool IsCjk(char c) =>
        c is >= '\u3400' and <= '\u9FFF' or >= '\uF900' and <= '\uFAFF' or >= '\u3040' and <= '\u30FF' or >= '\uAC00' and <= '\uD7AF'
        && CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.OtherLetter;
}
