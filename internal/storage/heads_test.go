package storage_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

func testHeads(t *testing.T, db *storage.DB) {
	ctx := t.Context()
	f := testdb.Fixture(t, db)
	scopeA := storage.Scope{AccountID: f.AccountA}

	_, err := db.OrganizationHead(ctx, scopeA, f.HeadOrg)
	wantNoRows(t, "head not recorded yet", err)

	h := &model.Head{OrganizationID: f.HeadOrg, AccountID: f.AccountA, Surname: "Иванов", GivenName: "Иван",
		Patronymic: "Иванович", Position: "Генеральный директор", INN: "500100732259", SNILS: testdb.HeadSNILS,
		Since: "2021-03-01", UpdatedAt: f.Now}
	if err := db.SetOrganizationHead(ctx, h); err != nil {
		t.Fatal(err)
	}
	got, err := db.OrganizationHead(ctx, scopeA, f.HeadOrg)
	if err != nil || !reflect.DeepEqual(got, h) {
		t.Errorf("OrganizationHead = %+v, %v, want %+v", got, err, h)
	}

	replaced := *h
	replaced.Surname, replaced.Patronymic, replaced.Since = "Петров", "", "2026-01-15"
	replaced.UpdatedAt = f.Now.Add(time.Hour)
	if err := db.SetOrganizationHead(ctx, &replaced); err != nil {
		t.Fatal(err)
	}
	if got, err := db.OrganizationHead(ctx, scopeA, f.HeadOrg); err != nil || !reflect.DeepEqual(got, &replaced) {
		t.Errorf("after replacing: OrganizationHead = %+v, %v, want %+v", got, err, &replaced)
	}

	for name, s := range map[string]storage.Scope{
		"other account":       {AccountID: f.AccountB},
		"other organizations": {AccountID: f.AccountA, OrgIDs: []string{f.BranchOrg}},
		"an employee":         {AccountID: f.AccountA, EmployeeID: f.HeadEmployee},
	} {
		_, err := db.OrganizationHead(ctx, s, f.HeadOrg)
		wantNoRows(t, "head read from "+name, err)
	}
}

func testDismissal(t *testing.T, db *storage.DB) {
	ctx := t.Context()
	f := testdb.Fixture(t, db)
	scopeA := storage.Scope{AccountID: f.AccountA}

	e, err := db.Employee(ctx, scopeA, f.BranchEmployee)
	if err != nil || e.Dismissed() || e.DismissalReason != "" {
		t.Fatalf("before dismissal: %+v, %v", e, err)
	}
	at := f.Now.Add(24 * time.Hour)
	if err := db.DismissEmployee(ctx, f.BranchEmployee, at, "по собственному желанию"); err != nil {
		t.Fatal(err)
	}
	e, err = db.Employee(ctx, scopeA, f.BranchEmployee)
	if err != nil || !e.Dismissed() || !e.DismissedAt.Equal(at) || e.DismissalReason != "по собственному желанию" || !e.UpdatedAt.Equal(at) {
		t.Errorf("after dismissal: %+v, %v", e, err)
	}
	err = db.DismissEmployee(ctx, f.BranchEmployee, at.Add(time.Hour), "again")
	wantNoRows(t, "second dismissal", err)
	if e, _ := db.Employee(ctx, scopeA, f.BranchEmployee); e == nil || !e.DismissedAt.Equal(at) || e.DismissalReason != "по собственному желанию" {
		t.Errorf("a second dismissal changed the first: %+v", e)
	}
	err = db.DismissEmployee(ctx, testdb.NewID(), at, "x")
	wantNoRows(t, "unknown employee", err)
}
