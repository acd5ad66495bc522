package storage

import (
	"context"
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

// nameMatch returns the conditions (joined by " AND ", each on idCol) under which a row's name matches
// every word of query, through the words table, and their arguments; "" when the query has no words.
func nameMatch(idCol, table, ownerCol, query string) (string, []any) {
	words := SearchWords(query)
	if len(words) > maxQueryWords {
		words = words[:maxQueryWords]
	}
	var conds []string
	var args []any
	for _, w := range words {
		lo, hi := prefixRange(w)
		conds = append(conds, idCol+" IN (SELECT "+ownerCol+" FROM "+table+" WHERE word >= ? AND word < ?)")
		args = append(args, lo, hi)
	}
	return strings.Join(conds, " AND "), args
}

// orgNameMatch matches organizations whose name contains every word of query as a part of a word.
func orgNameMatch(idCol, query string) (string, []any) {
	return nameMatch(idCol, "organization_words", "organization_id", query)
}

// employeeNameMatch matches employees whose surname, given name or patronymic starts with each word of query.
func employeeNameMatch(idCol, query string) (string, []any) {
	return nameMatch(idCol, "employee_words", "employee_id", query)
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
