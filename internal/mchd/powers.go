package mchd

import (
	_ "embed"
	"slices"
	"strings"
)

// powersTSV is the classifier kcr ships; its header comment names the source and says it is a demo subset.
//
//go:embed powers.tsv
var powersTSV string

// ClassifiedPower is one entry of the powers classifier.
type ClassifiedPower struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

var classifier, byCode = loadClassifier()

func loadClassifier() ([]ClassifiedPower, map[string]*ClassifiedPower) {
	var list []ClassifiedPower
	for line := range strings.Lines(powersTSV) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		code, name, ok := strings.Cut(line, "\t")
		if !ok || len([]rune(code)) < minPowerCode || name == "" {
			panic("mchd: bad classifier line: " + line)
		}
		list = append(list, ClassifiedPower{Code: code, Name: name})
	}
	slices.SortFunc(list, func(a, b ClassifiedPower) int { return strings.Compare(a.Code, b.Code) })
	index := make(map[string]*ClassifiedPower, len(list))
	for i := range list {
		if index[list[i].Code] != nil {
			panic("mchd: duplicate classifier code " + list[i].Code)
		}
		index[list[i].Code] = &list[i]
	}
	return list, index
}

// Powers returns the classifier sorted by code; the caller owns the copy.
func Powers() []ClassifiedPower { return slices.Clone(classifier) }

// PowerByCode returns the power with exactly this code, or nil. Codes are compared exactly, as authorization does.
func PowerByCode(code string) *ClassifiedPower {
	p, ok := byCode[code]
	if !ok {
		return nil
	}
	c := *p
	return &c
}

// SearchPowers returns the powers that match every word of query, in any order, sorted by code: a word
// matches when the power's name contains it or its code starts with it, ignoring case and treating ё as е.
// An empty query returns them all.
func SearchPowers(query string) []ClassifiedPower {
	words := strings.Fields(fold(query))
	if len(words) == 0 {
		return Powers()
	}
	var out []ClassifiedPower
	for i, p := range classifier {
		if matchesAll(words, folded[i].code, folded[i].name) {
			out = append(out, p)
		}
	}
	return out
}

func matchesAll(words []string, code, name string) bool {
	for _, w := range words {
		if !strings.HasPrefix(code, w) && !strings.Contains(name, w) {
			return false
		}
	}
	return true
}

// folded holds each classifier entry's code and name folded for search, in classifier order.
var folded = foldClassifier(classifier)

func foldClassifier(list []ClassifiedPower) []struct{ code, name string } {
	out := make([]struct{ code, name string }, len(list))
	for i, p := range list {
		out[i].code, out[i].name = fold(p.Code), fold(p.Name)
	}
	return out
}

var yoFolder = strings.NewReplacer("ё", "е")

func fold(s string) string { return yoFolder.Replace(strings.ToLower(s)) }
