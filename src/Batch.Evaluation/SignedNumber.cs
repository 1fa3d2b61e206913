using System.Globalization;

namespace Batch.Evaluation;

/// <summary>Numbers with an explicit sign, for changes: +0.0120, −0.0031, and +0.0000 for what rounds to zero.</summary>
public static class SignedNumber
{
    public static string Format(double value, string format)
    {
        var text = value.ToString(format, CultureInfo.InvariantCulture);
        if (text.StartsWith('-') && text.Trim('-', '0', '.').Length == 0) text = text[1..]; // −0.0000 is zero
        return text.StartsWith('-') ? text : "+" + text;
    }
}
