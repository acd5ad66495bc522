package storage

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/kcr-project/kcr/internal/model"
)

// Name search by word. People type a word or a part of one ("северный", "север"), not the full name with
// its quotes and legal form, so names are split into words kept in organization_words and employee_words
// and each word of a query must match one of them:
//   - an organization's table holds every suffix of every word, so a query word matches any part of a word
//     (a range over the suffixes: "вер" finds «Северный»);
//   - an employee's table holds the words of the surname, given name and patronymic (and the parts of
//     hyphenated ones), so a query word matches the start of any of them.
// Both are range scans over an index on the word, on SQLite and PostgreSQL alike.

const (
	// maxWordRunes bounds one stored word, so a pathological name cannot store thousands of long suffixes.
	maxWordRunes = 64
	// maxQueryWords bounds the words of one query (each is a subquery).
	maxQueryWords = 6
)

// foldName lower-cases and reads ё as е, the way people type Russian names.
func foldName(s string) string {
	return strings.NewReplacer("ё", "е").Replace(strings.ToLower(s))
}

// SearchWords splits a name or a query into folded words: runs of letters and digits, with inner hyphens
// kept ("ростов-на-дону"); quotes, dots and other punctuation separate words.
func SearchWords(s string) []string {
	fields := strings.FieldsFunc(foldName(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-'
	})
	var out []string
	seen := map[string]bool{}
	for _, f := range fields {
		f = strings.Trim(f, "-")
		if r := []rune(f); len(r) > maxWordRunes {
			f = string(r[:maxWordRunes])
		}
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// organizationTerms are the stored terms of an organization name: every suffix of every word.
func organizationTerms(name string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range SearchWords(name) {
		r := []rune(w)
		for i := range r {
			if s := string(r[i:]); s != "-" && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// employeeTerms are the stored terms of a person's name: its words and the parts of hyphenated words.
func employeeTerms(e *model.Employee) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range SearchWords(e.Surname + " " + e.GivenName + " " + e.Patronymic) {
		for _, t := range append([]string{w}, strings.Split(w, "-")...) {
			if t != "" && !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}

// wordTable is a words table and the table of its owners.
type wordTable struct{ owners, words, owner string }

var (
	organizationWords = &wordTable{owners: "organizations", words: "organization_words", owner: "organization_id"}
	employeeWords     = &wordTable{owners: "employees", words: "employee_words", owner: "employee_id"}
)

// ownerMatch is a filter on organizations or employees: plain conditions on their table and the words of a
// name. Applications and certificates are searched through it, and the organization and employee lists.
type ownerMatch struct {
	table   *wordTable
	conds   string // conditions on the owners' table (unqualified columns), joined by " AND "; "" for none
	args    []any
	words   []string       // the query's words, folded; after resolve, those matching fewest stored words first
	counts  map[string]int // after resolve: how many stored words each matches, up to countCap
	account string         // the scope's account, "" for every account
}

// newOwnerMatch is a match on table for the words of name (if any) and conds.
func newOwnerMatch(table *wordTable, account, name, conds string, args []any) ownerMatch {
	words := SearchWords(name)
	if len(words) > maxQueryWords {
		words = words[:maxQueryWords]
	}
	return ownerMatch{table: table, conds: conds, args: args, words: words, account: account}
}

// none tells a match that filters nothing.
func (m ownerMatch) none() bool { return m.conds == "" && len(m.words) == 0 }

// probe is the condition that the owner col names has a word starting with w: a range over its own words,
// read through the words table's primary key. The LIMIT keeps SQLite from turning the EXISTS into a join
// with a Bloom filter, which reads the whole words table first (50 ms at 150,000 words, for a page that
// needs a few probes).
func (m ownerMatch) probe(col, w string) (string, []any) {
	lo, hi := prefixRange(w)
	return "EXISTS (SELECT 1 FROM " + m.table.words + " x WHERE x." + m.table.owner + " = " + col +
		" AND x.word >= ? AND x.word < ? LIMIT 1)", []any{lo, hi}
}

// member is the condition that col names a matching owner, for a walk over the rows that name owners; plus
// prefixes the column where it is compared to a list (see searchKeys). A word matching fewer than listCap
// stored words is a list of owners, built once and cheap to check per row; a broader one is probed per row,
// which costs more per row but spares building the list. A walk in id order meets matches soon when a word
// is broad, so it lists only below idWalkListCap; a walk in a joined table's order (sortedMembership) may
// read far before it meets a match, so it lists below countCap.
func (m ownerMatch) member(col, plus string, listCap int) (string, []any) {
	var parts []string
	var args []any
	if m.conds != "" {
		conds, cargs := m.conds, m.args
		if m.account != "" {
			conds, cargs = conds+" AND account_id = ?", append(slices.Clone(cargs), m.account)
		}
		parts = append(parts, plus+col+" IN (SELECT id FROM "+m.table.owners+" WHERE "+conds+")")
		args = append(args, cargs...)
	}
	for _, w := range m.words {
		if n, ok := m.counts[w]; ok && n < listCap {
			lo, hi := prefixRange(w)
			parts = append(parts, plus+col+" IN (SELECT "+m.table.owner+" FROM "+m.table.words+" WHERE word >= ? AND word < ?)")
			args = append(args, lo, hi)
			continue
		}
		c, a := m.probe(col, w)
		parts, args = append(parts, c), append(args, a...)
	}
	return strings.Join(parts, " AND "), args
}

// keys lists up to n matching owners. With words (resolved), the walk starts from the word that matches
// fewest stored words (a range over the words index) and probes each candidate's other words and conditions.
func (db *DB) keys(ctx context.Context, m ownerMatch, n int) ([]string, error) {
	limit := " LIMIT " + strconv.Itoa(n)
	if len(m.words) == 0 {
		conds, args := m.conds, m.args
		if m.account != "" {
			conds, args = conds+" AND account_id = ?", append(slices.Clone(args), m.account)
		}
		return db.idList(ctx, `SELECT id FROM `+m.table.owners+` WHERE `+conds+limit, args...)
	}
	words := m.words
	lo, hi := prefixRange(words[0])
	// On SQLite the word's range leads: through the word index (without range statistics its planner prefers
	// the owner-ordered primary key, which spares the DISTINCT a sort but reads every word) in a CROSS JOIN,
	// which it never reorders (left to itself it may walk the account's owners and probe their words).
	from := m.table.words + ` w JOIN ` + m.table.owners + ` t`
	if db.dialect == SQLite {
		from = m.table.words + ` w INDEXED BY ` + m.table.words + `_word CROSS JOIN ` + m.table.owners + ` t`
	}
	q := `SELECT DISTINCT w.` + m.table.owner + ` FROM ` + from + ` ON t.id = w.` + m.table.owner + ` WHERE w.word >= ? AND w.word < ?`
	args := []any{lo, hi}
	for _, w := range words[1:] {
		c, a := m.probe("w."+m.table.owner, w)
		q, args = q+" AND "+c, append(args, a...)
	}
	if m.account != "" {
		q, args = q+" AND t.account_id = ?", append(args, m.account)
	}
	if m.conds != "" {
		q, args = q+" AND "+m.conds, append(args, m.args...)
	}
	return db.idList(ctx, q+limit, args...)
}

// countCap bounds the stored words counted per query word: past it a word is broad (see member).
const countCap = 20_000

// idWalkListCap is the listCap of member for walks in id order.
const idWalkListCap = 1000

// resolve counts the stored words each of m's words matches (up to countCap, through the words index) and
// orders them fewest first, so that "иванов123 иван" starts from "иванов123", not from the tens of thousands
// of "иван…".
func (db *DB) resolve(ctx context.Context, m ownerMatch) (ownerMatch, error) {
	if len(m.words) == 0 {
		return m, nil
	}
	m.counts = map[string]int{}
	for _, w := range m.words {
		lo, hi := prefixRange(w)
		var n int
		if err := db.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM `+m.table.words+` WHERE word >= ? AND word < ? LIMIT `+
			strconv.Itoa(countCap)+`) c`, lo, hi).Scan(&n); err != nil {
			return m, err
		}
		m.counts[w] = n
	}
	m.words = slices.Clone(m.words)
	slices.SortStableFunc(m.words, func(a, b string) int { return m.counts[a] - m.counts[b] })
	return m, nil
}

// nameFilter is the condition that idCol (an organization's or employee's own id) names an owner whose name
// has every word of name: up to narrowCap matches by key, more by a probe per row. "" when name has no words.
func (db *DB) nameFilter(ctx context.Context, table *wordTable, s Scope, idCol, name string) (string, []any, error) {
	m, err := db.resolve(ctx, newOwnerMatch(table, s.AccountID, name, "", nil))
	if err != nil || m.none() {
		return "", nil, err
	}
	keys, err := db.keys(ctx, m, narrowCap+1)
	if err != nil {
		return "", nil, err
	}
	switch {
	case len(keys) == 0:
		return "1 = 0", nil, nil
	case len(keys) <= narrowCap:
		return idCol + " IN (" + placeholders(len(keys)) + ")", anySlice(keys), nil
	}
	c, a := m.member(idCol, "", idWalkListCap)
	return c, a, nil
}

// indexOrganizationName replaces an organization's stored words.
func (db *DB) indexOrganizationName(ctx context.Context, id, name string) error {
	return db.replaceWords(ctx, "organization_words", "organization_id", id, organizationTerms(name))
}

// indexEmployeeName replaces an employee's stored words.
func (db *DB) indexEmployeeName(ctx context.Context, e *model.Employee) error {
	return db.replaceWords(ctx, "employee_words", "employee_id", e.ID, employeeTerms(e))
}

func (db *DB) replaceWords(ctx context.Context, table, ownerCol, id string, terms []string) error {
	if _, err := db.exec(ctx, `DELETE FROM `+table+` WHERE `+ownerCol+` = ?`, id); err != nil {
		return err
	}
	if len(terms) == 0 {
		return nil
	}
	args := make([]any, 0, 2*len(terms))
	for _, t := range terms {
		args = append(args, id, t)
	}
	_, err := db.exec(ctx, `INSERT INTO `+table+` (`+ownerCol+`, word) VALUES `+
		strings.TrimSuffix(strings.Repeat("(?, ?),", len(terms)), ","), args...)
	return err
}

// RebuildNameSearch recomputes every organization's and employee's name_search and stored words. The
// migration that introduced the words runs it; so may a tool that wrote rows past the storage layer.
func (db *DB) RebuildNameSearch(ctx context.Context) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		type org struct{ id, name, key string }
		orgs, err := queryAll(ctx, db, func(sc interface{ Scan(...any) error }) (org, error) {
			var o org
			return o, sc.Scan(&o.id, &o.name, &o.key)
		}, `SELECT id, name, name_search FROM organizations`)
		if err != nil {
			return err
		}
		for _, o := range orgs {
			if k := SearchKey(o.name); k != o.key {
				if _, err := db.exec(ctx, `UPDATE organizations SET name_search = ? WHERE id = ?`, k, o.id); err != nil {
					return err
				}
			}
			if err := db.indexOrganizationName(ctx, o.id, o.name); err != nil {
				return err
			}
		}
		type emp struct {
			e   model.Employee
			key string
		}
		emps, err := queryAll(ctx, db, func(sc interface{ Scan(...any) error }) (emp, error) {
			var e emp
			return e, sc.Scan(&e.e.ID, &e.e.Surname, &e.e.GivenName, &e.e.Patronymic, &e.key)
		}, `SELECT id, surname, given_name, patronymic, name_search FROM employees`)
		if err != nil {
			return err
		}
		for i := range emps {
			e := &emps[i].e
			if k := employeeSearchKey(e); k != emps[i].key {
				if _, err := db.exec(ctx, `UPDATE employees SET name_search = ? WHERE id = ?`, k, e.ID); err != nil {
					return err
				}
			}
			if err := db.indexEmployeeName(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
}
