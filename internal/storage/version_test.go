package storage_test

import (
	"context"
	"testing"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

// Two writers that read the same version of an application cannot both save, even when neither changes
// the state (a CSR upload racing an identity check).
func TestApplicationVersion(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			db := eng.Open(t)
			f := testdb.Fixture(t, db)
			scope := storage.Scope{AccountID: f.AccountA}
			first, err := db.Application(ctx, scope, f.HeadApp)
			if err != nil {
				t.Fatal(err)
			}
			second, err := db.Application(ctx, scope, f.HeadApp)
			if err != nil {
				t.Fatal(err)
			}
			first.CSR = []byte{0x30, 0x00}
			if ok, err := db.SaveApplication(ctx, first, first.State); err != nil || !ok {
				t.Fatalf("first save: %v %v", ok, err)
			}
			second.Verification = &model.Verification{Method: model.VerifiedInPersonWorkplace, Document: "x", VerifiedBy: "user:x",
				VerifiedAt: f.Now}
			if ok, err := db.SaveApplication(ctx, second, second.State); err != nil || ok {
				t.Fatalf("a stale save won: %v %v", ok, err)
			}
			got, err := db.Application(ctx, scope, f.HeadApp)
			if err != nil || len(got.CSR) != 2 || got.Verification != nil || got.Version != first.Version {
				t.Fatalf("stored %+v %v", got, err)
			}
			// The saved copy carries the new version and may save again.
			first.Note = "ещё раз"
			if ok, err := db.SaveApplication(ctx, first, first.State); err != nil || !ok {
				t.Fatalf("save with the current version: %v %v", ok, err)
			}
		})
	}
}
