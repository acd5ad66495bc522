package document

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// nbsp separates thousands in FormatRubles. A no-break space (U+00A0) rather than a thin or narrow
// no-break space (U+2009, U+202F): it never lets a line wrap inside an amount, every font and every
// PDF text extractor knows it, and it is what Russian accounting software prints.
const nbsp = "\u00a0"

// FormatRubles formats an amount in kopecks as rubles the Russian way: "1 234,50", the groups of
// thousands separated by a no-break space (U+00A0) and the kopecks after a comma, always two digits.
// A negative amount gets a leading "-" (documents never show one; it is there so a bug is visible
// rather than silently printed as a positive figure).
func FormatRubles(kopecks int64) string {
	return formatKopecks(kopecks, nbsp)
}

// plainRubles is FormatRubles without thousands separators ("1234,50"): the form spreadsheets parse
// as a number under a Russian locale, used in the CSV.
func plainRubles(kopecks int64) string {
	return formatKopecks(kopecks, "")
}

func formatKopecks(kopecks int64, sep string) string {
	neg := kopecks < 0
	// uint64(-kopecks) is exact even for math.MinInt64, whose negation wraps to itself.
	u := uint64(kopecks)
	if neg {
		u = uint64(-kopecks)
	}
	digits := strconv.FormatUint(u/100, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(d)
	}
	b.WriteByte(',')
	k := u % 100
	b.WriteByte(byte('0' + k/10))
	b.WriteByte(byte('0' + k%10))
	return b.String()
}

// plural picks the Russian noun form for n: one ("рубль", for 1, 21, 101…), few ("рубля", for 2–4,
// 22–24…) or many ("рублей", for 0, 5–20, 25–30, 111…).
func plural(n uint64, one, few, many string) string {
	if n%100 >= 11 && n%100 <= 19 {
		return many
	}
	switch n % 10 {
	case 1:
		return one
	case 2, 3, 4:
		return few
	}
	return many
}

var (
	unitsMasc = [...]string{"", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"}
	unitsFem  = [...]string{"", "одна", "две", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"}
	teens     = [...]string{"десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать", "пятнадцать",
		"шестнадцать", "семнадцать", "восемнадцать", "девятнадцать"}
	tens = [...]string{"", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят",
		"восемьдесят", "девяносто"}
	hundreds = [...]string{"", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот",
		"восемьсот", "девятьсот"}
)

// scale is one power of a thousand with its noun forms and grammatical gender: "тысяча" is the only
// feminine one, which is why 1000 is "одна тысяча" but 1 000 000 is "один миллион".
type scale struct {
	value          uint64
	one, few, many string
	feminine       bool
}

// scales go up to quadrillions because that covers every int64 amount of kopecks
// (92 233 720 368 547 758 rubles), so AmountInWords never has to refuse a non-negative input.
var scales = [...]scale{
	{1e15, "квадриллион", "квадриллиона", "квадриллионов", false},
	{1e12, "триллион", "триллиона", "триллионов", false},
	{1e9, "миллиард", "миллиарда", "миллиардов", false},
	{1e6, "миллион", "миллиона", "миллионов", false},
	{1e3, "тысяча", "тысячи", "тысяч", true},
}

// triad appends the words for 1 ≤ n ≤ 999 to w.
func triad(w []string, n uint64, feminine bool) []string {
	if h := n / 100; h > 0 {
		w = append(w, hundreds[h])
	}
	n %= 100
	switch {
	case n >= 10 && n <= 19:
		return append(w, teens[n-10])
	case n >= 20:
		w = append(w, tens[n/10])
		n %= 10
	}
	if n > 0 {
		if feminine {
			w = append(w, unitsFem[n])
		} else {
			w = append(w, unitsMasc[n])
		}
	}
	return w
}

// AmountInWords spells an amount in kopecks the way Russian invoices and acts state the total:
// the rubles in words, the kopecks as two digits, both nouns agreeing with their numbers, first letter
// capitalized — 123456 → "Одна тысяча двести тридцать четыре рубля 56 копеек", 0 → "Ноль рублей
// 00 копеек". Every int64 amount is covered (up to quadrillions). A negative amount has no meaning on
// a payment document, so it gives "" instead of words (and never panics); callers that render documents
// reject negative totals before getting here.
func AmountInWords(kopecks int64) string {
	if kopecks < 0 {
		return ""
	}
	u := uint64(kopecks)
	rubles, kop := u/100, u%100

	var w []string
	if rubles == 0 {
		w = append(w, "ноль")
	}
	rest := rubles
	for _, s := range scales {
		n := rest / s.value
		rest %= s.value
		if n == 0 {
			continue
		}
		w = triad(w, n, s.feminine)
		w = append(w, plural(n, s.one, s.few, s.many))
	}
	if rest > 0 {
		w = triad(w, rest, false) // "рубль" is masculine: один рубль, два рубля
	}
	w = append(w, plural(rubles, "рубль", "рубля", "рублей"))
	w = append(w, string([]byte{byte('0' + kop/10), byte('0' + kop%10)}), plural(kop, "копейка", "копейки", "копеек"))
	return capitalize(strings.Join(w, " "))
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

var monthsNominative = [...]string{"январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
	"сентябрь", "октябрь", "ноябрь", "декабрь"}

// MonthName turns a billing period "YYYY-MM" into the words a document shows: "2026-11" → "ноябрь
// 2026 г.". Anything that is not a valid YYYY-MM gives "", so a caller can tell a bad period from a
// good one; InvoicePDF and ActPDF refuse such a period.
func MonthName(period string) string {
	t, err := time.Parse("2006-01", period)
	if err != nil {
		return ""
	}
	return monthsNominative[t.Month()-1] + " " + strconv.Itoa(t.Year()) + " г."
}
