package roster

import (
	"bytes"
	"encoding/csv"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// Encoding is how a CSV file's text was written.
type Encoding string

// The encodings a CSV file is read in.
const (
	UTF8        Encoding = "utf-8"
	UTF16       Encoding = "utf-16"       // Excel's "Unicode text", with its byte order mark
	Windows1251 Encoding = "windows-1251" // Excel's "CSV (разделители — запятые)" on a Russian Windows
)

// DecodeText returns a CSV file's text as UTF-8 and the encoding it was in: a UTF-8 byte order mark or valid
// UTF-8 is UTF-8, a UTF-16 byte order mark is UTF-16, anything else is Windows-1251 (where every byte is a
// character, so any file decodes: a file in another encoding shows up as wrong letters in the preview).
func DecodeText(raw []byte) ([]byte, Encoding, error) {
	switch {
	case bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")):
		raw = raw[3:]
		if !utf8.Valid(raw) {
			return nil, "", fileError(ProblemNotText)
		}
		return raw, UTF8, nil
	case bytes.HasPrefix(raw, []byte("\xff\xfe")), bytes.HasPrefix(raw, []byte("\xfe\xff")):
		out, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(raw)
		if err != nil {
			return nil, "", fileError(ProblemNotText)
		}
		return out, UTF16, nil
	case utf8.Valid(raw):
		return raw, UTF8, nil
	}
	out, err := charmap.Windows1251.NewDecoder().Bytes(raw)
	if err != nil {
		return nil, "", fileError(ProblemNotText)
	}
	return out, Windows1251, nil
}

// separator is the header line's most frequent of ';', ',' and tab (';' on a tie with ',': Russian Excel
// writes it, and a decimal comma is common).
func separator(first []byte) rune {
	best, n := ',', bytes.Count(first, []byte(","))
	for _, c := range []rune{';', '\t'} {
		if k := bytes.Count(first, []byte(string(c))); k > n || (k == n && k > 0 && c == ';') {
			best, n = c, k
		}
	}
	return best
}

// readCSV reads a CSV file in any of the encodings DecodeText knows, separated by ';', ',' or tab.
func readCSV(raw []byte) ([]string, []record, error) {
	text, _, err := DecodeText(raw)
	if err != nil {
		return nil, nil, err
	}
	// A NUL byte is not text, and PostgreSQL refuses it in the organization lookup.
	if bytes.IndexByte(text, 0) >= 0 {
		return nil, nil, fileError(ProblemNotText)
	}
	first, _, _ := bytes.Cut(text, []byte("\n"))
	cr := csv.NewReader(bytes.NewReader(text))
	cr.Comma = separator(first)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fileError(ProblemEmpty)
	}
	var recs []record
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, nil, fileError(ProblemBadCSV)
		}
		if blankCells(rec) {
			continue
		}
		if len(recs) >= MaxRows {
			return nil, nil, fileError(ProblemTooMany)
		}
		recs = append(recs, record{line: line, cells: rec})
	}
	return header, recs, nil
}
