package storage

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"time"
	"unicode/utf8"
)

// Scope limits what a query may return to what the caller may see. Every list and lookup that touches
// organization data takes one, so the filter is in the SQL and never an afterthought in a handler.
type Scope struct {
	AccountID  string   // "" means every account (the CA operator)
	OrgIDs     []string // nil means every organization of the account; non-nil means only these
	EmployeeID string   // "" means any employee; otherwise only this employee's records
}

// clause returns an SQL condition (starting with " AND ") and its arguments. orgCol and empCol name the
// columns to filter on; empCol may be "" where the table has no employee.
func (s Scope) clause(accountCol, orgCol, empCol string) (string, []any) {
	var b strings.Builder
	var args []any
	if s.AccountID != "" {
		b.WriteString(" AND " + accountCol + " = ?")
		args = append(args, s.AccountID)
	}
	if s.OrgIDs != nil {
		if len(s.OrgIDs) == 0 {
			b.WriteString(" AND 1 = 0")
		} else {
			b.WriteString(" AND " + orgCol + " IN (" + placeholders(len(s.OrgIDs)) + ")")
			for _, id := range s.OrgIDs {
				args = append(args, id)
			}
		}
	}
	if s.EmployeeID != "" {
		if empCol == "" {
			b.WriteString(" AND 1 = 0")
		} else {
			b.WriteString(" AND " + empCol + " = ?")
			args = append(args, s.EmployeeID)
		}
	}
	return b.String(), args
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func micros(t time.Time) int64 { return t.UTC().UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func optMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

func fromOptMicros(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := fromMicros(*v)
	return &t
}

// Page is a window of a list: at most Limit rows after the row whose key is After, in Order.
type Page struct {
	After string
	Limit int
	Order Order
}

// Order is a list's sort: By names one of the list's sort keys (ApplicationSorts, CertificateSorts,
// EmployeeSorts); "" keeps the list's default order. Desc reverses it.
type Order struct {
	By   string
	Desc bool
}

// EncodeCursor makes the opaque cursor a client passes back to get the next page.
func EncodeCursor(lastKey string) string {
	if lastKey == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte("k1:" + lastKey))
}

// DecodeCursor reverses EncodeCursor; ok is false for anything it did not make.
func DecodeCursor(c string) (key string, ok bool) {
	if c == "" {
		return "", true
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	// Keys are UTF-8 text without NUL: anything else could not have come from kcr, and PostgreSQL would
	// refuse it as a parameter.
	if err != nil || !strings.HasPrefix(string(b), "k1:") || len(b) == 3 || !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return "", false
	}
	return string(b[3:]), true
}

// Prefix search over folded words: compared as a key range, which both engines answer from an index.
func prefixRange(p string) (lo, hi string) {
	lo = strings.ToLower(p)
	return lo, lo + "\U0010FFFF"
}

// SearchKey folds a name for sorting by name: lower case, ё as е, single spaces.
func SearchKey(s string) string { return foldName(strings.Join(strings.Fields(s), " ")) }

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, db *DB, scan func(interface{ Scan(...any) error }) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
