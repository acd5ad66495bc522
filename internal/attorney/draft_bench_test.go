package attorney_test

import (
	"context"
	"testing"

	"github.com/kcr-project/kcr/internal/testdb"
)

// BenchmarkDraft1000 drafts and validates 1,000 МЧД in one bulk request on SQLite: the employees are read
// from the register, each file is built, validated and marshalled, and all are stored in one transaction
// with their history, audit events and billing charges (issue 12's target: under 10 s on 2 cores).
func BenchmarkDraft1000(b *testing.B) {
	var sqlite testdb.Engine
	for _, eng := range testdb.Engines(b) {
		if eng.Name == "sqlite" {
			sqlite = eng
		}
	}
	db := sqlite.Open(b)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		e := newEnv(b, db, 1000)
		in := e.input()
		in.AllEmployees = true
		b.StartTimer()
		out, err := e.svc.Draft(ctx, e.admin, in)
		if err != nil || len(out) != 1000 {
			b.Fatalf("drafted %d: %v", len(out), err)
		}
	}
}
