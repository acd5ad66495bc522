package attorney_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/attorney"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

// fakeRegistry behaves like the registry as far as the service sees it: asynchronous registration
// answered by setting the status, refusals, and a failure switch.
type fakeRegistry struct {
	mu      sync.Mutex
	status  map[string]mchd.RegistryState
	sigs    map[string][]byte
	revoked []string
	fail    error
	submits int
}

func newRegistry() *fakeRegistry {
	return &fakeRegistry{status: map[string]mchd.RegistryState{}, sigs: map[string][]byte{}}
}

func (r *fakeRegistry) Register(_ context.Context, number string, _, sig []byte) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.submits++
	if r.fail != nil {
		return "", r.fail
	}
	if old, ok := r.sigs[number]; ok {
		if bytes.Equal(old, sig) {
			return "", mchd.ErrRepeatedRegistration
		}
		return "", mchd.ErrDifferentSignature
	}
	r.sigs[number] = sig
	r.status[number] = mchd.RegistryState{Status: mchd.RegistryProcessing}
	return "op-" + number, nil
}

func (r *fakeRegistry) Status(_ context.Context, number string) (*mchd.RegistryState, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.status[number]
	if !ok {
		return nil, mchd.ErrUnknownNumber
	}
	return &st, nil
}

func (r *fakeRegistry) Revoke(_ context.Context, rv *mchd.Revocation) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.revoked = append(r.revoked, rv.Number)
	r.status[rv.Number] = mchd.RegistryState{Status: mchd.RegistryRevoked, Reason: rv.Reason}
	return nil
}

func (r *fakeRegistry) StatusURL(number string) string {
	return "https://kcr.example/registry/mchd/status?guid=" + number
}

func (r *fakeRegistry) answer(number string, st mchd.RegistryStatus, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status[number] = mchd.RegistryState{Status: st, Reason: reason}
}

// fakeChecker accepts exactly the signature "signed:" + the file's bytes, as if by the recorded head.
type fakeChecker struct{ at time.Time }

func (c fakeChecker) Check(file, sig []byte, head mchd.HeadIdentity) (*mchd.SignatureInfo, error) {
	if head.SNILS != testdb.HeadSNILS || head.OrgINN != testdb.HeadINN {
		return nil, &errs.Error{Kind: errs.Invalid, Fields: []errs.FieldError{{Field: "signature", Rule: "head", Message: "not the head"}}}
	}
	if !bytes.Equal(sig, fakeSig(file)) {
		return nil, &errs.Error{Kind: errs.Invalid, Fields: []errs.FieldError{{Field: "signature", Rule: "digest", Message: "over other bytes"}}}
	}
	return &mchd.SignatureInfo{SigningTime: c.at}, nil
}

func fakeSig(file []byte) []byte { return append([]byte{0x30, 0x00}, file...) }

type fakeSigner struct{}

func (fakeSigner) SignAsHead(_ context.Context, _ string, file []byte) ([]byte, error) {
	return fakeSig(file), nil
}

type countingBiller struct {
	mu      sync.Mutex
	charges []billing.Charge
}

func (b *countingBiller) Charge(_ context.Context, c billing.Charge) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.charges = append(b.charges, c)
	return nil
}

type env struct {
	db    *storage.DB
	f     *testdb.Fix
	svc   *attorney.Service
	reg   *fakeRegistry
	bill  *countingBiller
	clk   *clock.Fake
	admin *access.Principal
	// workers are employees of the head organization other than the head.
	workers []string
}

var today = time.Date(2026, 3, 2, 11, 0, 0, 0, rules.MSK)

func newEnv(t testing.TB, db *storage.DB, workers int) *env {
	t.Helper()
	ctx := context.Background()
	f := testdb.Fixture(t, db)
	if err := db.SetOrganizationHead(ctx, &model.Head{OrganizationID: f.HeadOrg, AccountID: f.AccountA, Surname: "Иванов",
		GivenName: "Иван", Patronymic: "Иванович", Position: "Генеральный директор", INN: "500100732259",
		SNILS: testdb.HeadSNILS, Since: "2021-03-01", UpdatedAt: f.Now}); err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, f: f, reg: newRegistry(), bill: &countingBiller{}, clk: clock.NewFake(today),
		admin: &access.Principal{Actor: "user:admin", AccountID: f.AccountA, Role: model.RoleAccountAdmin}}
	e.svc = &attorney.Service{DB: db, Clock: e.clk, Registry: e.reg, Checker: fakeChecker{at: today}, Demo: fakeSigner{},
		Billing: e.bill}
	r := rand.New(rand.NewPCG(uint64(len(f.AccountA)), 12))
	for i := range workers {
		id := testdb.NewID()
		if err := db.CreateEmployee(ctx, &model.Employee{ID: id, AccountID: f.AccountA, OrganizationID: f.HeadOrg,
			Surname: "Смирнов", GivenName: "Олег", Patronymic: "Петрович", BirthDate: "1990-01-0" + string(rune('1'+i%9)),
			SNILS: requisites.GenerateSNILS(r), INN: requisites.GenerateINN12(r), Position: "Менеджер",
			CreatedAt: f.Now, UpdatedAt: f.Now}); err != nil {
			t.Fatal(err)
		}
		e.workers = append(e.workers, id)
	}
	return e
}

func (e *env) input(ids ...string) attorney.DraftInput {
	return attorney.DraftInput{OrganizationID: e.f.HeadOrg, EmployeeIDs: ids, EndDate: "2027-03-01",
		Powers: []mchd.Power{{Code: mchd.Powers()[0].Code}}}
}

func fieldsOf(err error) []string {
	var e *errs.Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+":"+f.Rule)
	}
	return out
}

func (e *env) count(t *testing.T) int {
	t.Helper()
	rows, err := e.db.PowersOfAttorney(context.Background(), storage.Scope{AccountID: e.f.AccountA}, storage.PoAFilter{}, storage.Page{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	return len(rows)
}

func TestService(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			db := eng.Open(t)
			for _, c := range []struct {
				name string
				run  func(*testing.T, *storage.DB)
			}{
				{"draft", testDraft},
				{"draft refusals", testDraftRefusals},
				{"bulk", testBulk},
				{"signature", testSignature},
				{"registration", testRegistration},
				{"revocation", testRevocation},
				{"scope", testScope},
			} {
				// Not parallel: Poll follows every record of the shared database through this subtest's registry.
				t.Run(c.name, func(t *testing.T) { c.run(t, db) })
			}
		})
	}
}

func testDraft(t *testing.T, db *storage.DB) {
	ctx := context.Background()
	e := newEnv(t, db, 1)
	out, err := e.svc.Draft(ctx, e.admin, e.input(e.workers[0]))
	if err != nil || len(out) != 1 {
		t.Fatalf("Draft = %+v, %v", out, err)
	}
	d := out[0]
	if d.State != mchd.StateAwaitingSignature || d.EmployeeID != e.workers[0] {
		t.Errorf("drafted %+v", d)
	}
	v, err := e.svc.Get(ctx, e.admin, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := mchd.Parse(v.XML)
	if err != nil {
		t.Fatalf("the stored file does not parse: %v", err)
	}
	if doc.Number != d.Number || doc.Grantor.INN != testdb.HeadINN || doc.Head.SNILS != testdb.HeadSNILS ||
		doc.Representative.LastName != "Смирнов" || doc.StatusURL != e.reg.StatusURL(d.Number) ||
		doc.Powers[0].Name != mchd.Powers()[0].Name {
		t.Errorf("the file is not drafted from the register: %+v", doc)
	}
	if want := "ON_EMCHD_20260302_" + d.Number + ".xml"; v.FileName != want || d.FileName != want {
		t.Errorf("file name %q, want %q", v.FileName, want)
	}
	if len(v.History) != 1 || v.History[0].To != mchd.StateAwaitingSignature || v.History[0].Actor != "user:admin" {
		t.Errorf("history %+v", v.History)
	}
	name, data, err := e.svc.File(ctx, e.admin, d.ID)
	if err != nil || name != v.FileName || !bytes.Equal(data, v.XML) {
		t.Errorf("File = %q, %v", name, err)
	}
	if len(e.bill.charges) != 1 || e.bill.charges[0].Position != model.PositionPowerOfAttorney || e.bill.charges[0].ApplicationID != d.ID {
		t.Errorf("charges %+v", e.bill.charges)
	}
	events, err := db.AuditLog(ctx, storage.AuditFilter{AccountID: e.f.AccountA, ObjectID: d.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range events {
		if ev.ObjectID == d.ID {
			actions = append(actions, ev.Action)
			for k, v := range ev.Detail {
				if s, ok := v.(string); ok && (s == "Смирнов" || s == testdb.HeadSNILS) {
					t.Errorf("personal data in audit detail %s", k)
				}
			}
		}
	}
	slices.Sort(actions)
	if !slices.Equal(actions, []string{"power_of_attorney.draft", "power_of_attorney.read", "power_of_attorney.read"}) {
		t.Errorf("audited %v", actions)
	}
	// Integrators follow the drafting in the feed (and so through webhooks), with the state and no personal data.
	if _, err := db.SequenceAudit(ctx); err != nil {
		t.Fatal(err)
	}
	feed, err := db.FeedEvents(ctx, storage.Scope{AccountID: e.f.AccountA}, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, ev := range feed {
		if ev.ObjectID != d.ID {
			continue
		}
		found = true
		if ev.Type != string(model.EventPowerOfAttorneyStateChanged) || ev.Data["state"] != string(mchd.StateAwaitingSignature) || len(ev.Data) != 1 {
			t.Errorf("feed event %+v", ev)
		}
	}
	if !found {
		t.Error("no feed event for the drafted power of attorney")
	}
}

func testDraftRefusals(t *testing.T, db *storage.DB) {
	ctx := context.Background()
	e := newEnv(t, db, 2)
	if err := db.DismissEmployee(ctx, e.workers[1], e.f.Now, "уволен"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		edit func(*attorney.DraftInput)
		want string
	}{
		{"dismissed employee", func(in *attorney.DraftInput) { in.EmployeeIDs = []string{e.workers[0], e.workers[1]} }, "employee_ids[1]:dismissed"},
		{"unknown power code", func(in *attorney.DraftInput) { in.Powers = []mchd.Power{{Code: "NO_SUCH_POWER", Name: "x"}} }, "powers[0].code:unknown"},
		{"end before issue", func(in *attorney.DraftInput) { in.EndDate = "2026-03-01" }, "end_date:after_issue_date"},
		{"end date malformed", func(in *attorney.DraftInput) { in.EndDate = "01.03.2027" }, "end_date:format"},
		{"issued in the future", func(in *attorney.DraftInput) { in.IssueDate = "2026-03-03" }, "issue_date:in_future"},
		{"no head recorded", func(in *attorney.DraftInput) { in.OrganizationID = e.f.BranchOrg }, "organization_id:no_head"},
		{"employee of another organization", func(in *attorney.DraftInput) { in.EmployeeIDs = []string{e.f.BranchEmployee} }, "employee_ids[0]:other_organization"},
		{"employee of another account", func(in *attorney.DraftInput) { in.EmployeeIDs = []string{e.f.EmployeeB} }, "employee_ids[0]:unknown"},
		{"the head as representative", func(in *attorney.DraftInput) { in.EmployeeIDs = []string{e.f.HeadEmployee} }, "employee_ids[0]:is_head"},
		{"no powers", func(in *attorney.DraftInput) { in.Powers = nil }, "powers:required"},
		{"no employees", func(in *attorney.DraftInput) { in.EmployeeIDs = nil }, "employee_ids:required"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := e.input(e.workers[0])
			c.edit(&in)
			_, err := e.svc.Draft(ctx, e.admin, in)
			if got := fieldsOf(err); !slices.Contains(got, c.want) {
				t.Errorf("err = %v (fields %v), want %s", err, got, c.want)
			}
			if errs.KindOf(err) != errs.Invalid {
				t.Errorf("kind %s", errs.KindOf(err))
			}
		})
	}
	if n := e.count(t); n != 0 {
		t.Errorf("%d stored after refusals", n)
	}
	if len(e.bill.charges) != 0 {
		t.Errorf("refusals charged: %+v", e.bill.charges)
	}
}

func testBulk(t *testing.T, db *storage.DB) {
	ctx := context.Background()
	e := newEnv(t, db, 5)
	if err := db.DismissEmployee(ctx, e.workers[4], e.f.Now, "уволен"); err != nil {
		t.Fatal(err)
	}
	in := e.input()
	in.AllEmployees, in.InternalNumber = true, "Д-7"
	out, err := e.svc.Draft(ctx, e.admin, in)
	if err != nil {
		t.Fatal(err)
	}
	// The head is an employee too and acts without a power of attorney: "all" skips him and the dismissed.
	var got []string
	for _, d := range out {
		got = append(got, d.EmployeeID)
	}
	if want := e.workers[:4]; !slices.Equal(got, want) {
		t.Errorf("all employees drafted for %v, want %v", got, want)
	}
	if len(e.bill.charges) != 4 {
		t.Errorf("%d charges, want 4", len(e.bill.charges))
	}
}

func draftOne(t *testing.T, e *env) attorney.Drafted {
	t.Helper()
	out, err := e.svc.Draft(context.Background(), e.admin, e.input(e.workers[0]))
	if err != nil {
		t.Fatal(err)
	}
	return out[0]
}

func testSignature(t *testing.T, db *storage.DB) {
	ctx := context.Background()
	e := newEnv(t, db, 1)
	d := draftOne(t, e)
	r, _ := db.PowerOfAttorney(ctx, storage.Scope{}, d.ID)
	tampered := bytes.Replace(r.XML, []byte("Смирнов"), []byte("Смирнова"), 1)
	for _, c := range []struct {
		name string
		sig  []byte
		want string
	}{
		{"over other bytes", fakeSig(tampered), "signature:digest"},
		{"empty", nil, "signature:required"},
		{"not base64", []byte("???"), "signature:encoding"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.svc.AttachSignature(ctx, e.admin, d.ID, c.sig)
			if got := fieldsOf(err); !slices.Contains(got, c.want) {
				t.Errorf("err = %v, want %s", err, c.want)
			}
			if now, _ := db.PowerOfAttorney(ctx, storage.Scope{}, d.ID); now.State != mchd.StateAwaitingSignature || now.Version != r.Version {
				t.Errorf("a refusal changed the record: %+v", now)
			}
		})
	}
	got, err := e.svc.AttachSignature(ctx, e.admin, d.ID, fakeSig(r.XML))
	if err != nil || got.State != mchd.StateSigned || got.SignedAt == nil || !got.SignedAt.Equal(today) {
		t.Fatalf("AttachSignature = %+v, %v", got, err)
	}
	if _, err := e.svc.AttachSignature(ctx, e.admin, d.ID, fakeSig(r.XML)); errs.KindOf(err) != errs.Conflict {
		t.Errorf("signing twice: %v", err)
	}
	name, der, err := e.svc.Signature(ctx, e.admin, d.ID)
	if err != nil || name != d.FileName+".sig" || !bytes.Equal(der, fakeSig(r.XML)) {
		t.Errorf("Signature = %q, %v", name, err)
	}

	// Bulk: files named after the drafts, one of them wrong.
	more, err := e.svc.Draft(ctx, e.admin, e.input(e.workers[0]))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := db.PowerOfAttorney(ctx, storage.Scope{}, more[0].ID)
	res, err := e.svc.AttachSignatures(ctx, e.admin, []attorney.SignatureFile{
		{Name: m.FileName + ".sig", Data: fakeSig(m.XML)},
		{Name: "unknown.sig", Data: fakeSig(m.XML)},
	})
	if err != nil || len(res) != 2 || res[0].State != mchd.StateSigned || res[0].Error != nil || res[1].Error == nil {
		t.Errorf("AttachSignatures = %+v, %v", res, err)
	}

	// Demo signing goes through the same check.
	demo, err := e.svc.Draft(ctx, e.admin, e.input(e.workers[0]))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := e.svc.SignAsHeadDemo(ctx, e.admin, []string{demo[0].ID, d.ID})
	if err != nil || ds[0].State != mchd.StateSigned || ds[0].Error != nil || ds[1].Error == nil {
		t.Errorf("SignAsHeadDemo = %+v, %v", ds, err)
	}
	noDemo := *e.svc
	noDemo.Demo = nil
	if _, err := noDemo.SignAsHeadDemo(ctx, e.admin, []string{demo[0].ID}); errs.KindOf(err) != errs.NotFound {
		t.Errorf("demo signing without --demo: %v", err)
	}
}

func signed(t *testing.T, e *env) *mchd.Record {
	t.Helper()
	d := draftOne(t, e)
	r, _ := e.db.PowerOfAttorney(context.Background(), storage.Scope{}, d.ID)
	r, err := e.svc.AttachSignature(context.Background(), e.admin, d.ID, fakeSig(r.XML))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func testRegistration(t *testing.T, db *storage.DB) {
	ctx := context.Background()
	e := newEnv(t, db, 1)
	if _, err := e.svc.Register(ctx, e.admin, draftOne(t, e).ID); errs.KindOf(err) != errs.Conflict {
		t.Errorf("registering an unsigned one: %v", err)
	}

	a := signed(t, e)
	r, err := e.svc.Register(ctx, e.admin, a.ID)
	if err != nil || r.State != mchd.StateSigned || r.RegistryStatus != mchd.RegistryProcessing || r.RegistryOperation == "" {
		t.Fatalf("Register = %+v, %v", r, err)
	}
	if _, err := e.svc.Register(ctx, e.admin, a.ID); errs.KindOf(err) != errs.Conflict {
		t.Errorf("registering twice: %v", err)
	}
	if res, err := e.svc.Poll(ctx); err != nil || res.Pending < 1 {
		t.Errorf("Poll while processing = %+v, %v", res, err)
	}
	e.reg.answer(a.Number, mchd.RegistryActive, "")
	// Two replicas poll at once: the answer is recorded once.
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if _, err := e.svc.Poll(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, _ := db.PowerOfAttorney(ctx, storage.Scope{}, a.ID); got.State != mchd.StateRegistered || got.RegistryStatus != mchd.RegistryActive {
		t.Errorf("after ACTIVE: %+v", got)
	}
	h, _ := db.PowerOfAttorneyHistory(ctx, a.ID)
	if n := len(slices.DeleteFunc(h, func(x mchd.HistoryEntry) bool { return x.To != mchd.StateRegistered })); n != 1 {
		t.Errorf("the registration was recorded %d times", n)
	}

	// The registry is down: the intent is kept and the next poll submits it.
	b := signed(t, e)
	e.reg.fail = errors.New("connection refused")
	if _, err := e.svc.Register(ctx, e.admin, b.ID); errs.KindOf(err) != errs.Unavailable {
		t.Errorf("registry down: %v", err)
	}
	if got, _ := db.PowerOfAttorney(ctx, storage.Scope{}, b.ID); got.RegistryStatus != mchd.RegistryProcessing || got.RegistryOperation != "" {
		t.Errorf("intent not kept: %+v", got)
	}
	e.reg.fail = nil
	if _, err := e.svc.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.PowerOfAttorney(ctx, storage.Scope{}, b.ID); got.RegistryOperation == "" {
		t.Errorf("poll did not submit again: %+v", got)
	}
	e.reg.answer(b.Number, mchd.RegistryRejected, "Подпись недействительна")
	if _, err := e.svc.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.PowerOfAttorney(ctx, storage.Scope{}, b.ID); got.State != mchd.StateRejected || got.Reason != "Подпись недействительна" {
		t.Errorf("after REJECTED: %+v", got)
	}

	// The number is registered with another signature.
	c := signed(t, e)
	e.reg.sigs[c.Number] = []byte("other")
	if _, err := e.svc.Register(ctx, e.admin, c.ID); errs.KindOf(err) != errs.Conflict {
		t.Errorf("DifferentSignature: %v", err)
	}
	if got, _ := db.PowerOfAttorney(ctx, storage.Scope{}, c.ID); got.RegistryStatus != "" || got.State != mchd.StateSigned {
		t.Errorf("after DifferentSignature: %+v", got)
	}

	// Past its end date a registered one expires.
	e.clk.Set(time.Date(2027, 3, 2, 9, 0, 0, 0, rules.MSK))
	if _, err := e.svc.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.PowerOfAttorney(ctx, storage.Scope{}, a.ID); got.State != mchd.StateExpired {
		t.Errorf("after the end date: %+v", got)
	}
}

func testRevocation(t *testing.T, db *storage.DB) {
	ctx := context.Background()
	e := newEnv(t, db, 1)
	a := signed(t, e)
	if _, err := e.svc.Register(ctx, e.admin, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Revoke(ctx, e.admin, a.ID, "увольнение"); errs.KindOf(err) != errs.Conflict {
		t.Errorf("revoking while the registry processes: %v", err)
	}
	e.reg.answer(a.Number, mchd.RegistryActive, "")
	if _, err := e.svc.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Revoke(ctx, e.admin, a.ID, " "); !slices.Contains(fieldsOf(err), "reason:required") {
		t.Errorf("no reason: %v", err)
	}
	r, err := e.svc.Revoke(ctx, e.admin, a.ID, "увольнение")
	if err != nil || r.State != mchd.StateRevoked || r.Reason != "увольнение" || r.RevokedAt == nil || !slices.Contains(e.reg.revoked, a.Number) {
		t.Errorf("Revoke = %+v, %v (registry %v)", r, err, e.reg.revoked)
	}
	if _, err := e.svc.Revoke(ctx, e.admin, a.ID, "again"); errs.KindOf(err) != errs.Conflict {
		t.Errorf("revoking twice: %v", err)
	}

	// Dismissal: everything of the employee not final is revoked; drafts locally.
	d1, d2 := draftOne(t, e), signed(t, e)
	res, err := e.svc.RevokeForEmployee(ctx, e.admin, e.workers[0], "увольнение")
	if err != nil || len(res) != 2 {
		t.Fatalf("RevokeForEmployee = %+v, %v", res, err)
	}
	for _, id := range []string{d1.ID, d2.ID} {
		if got, _ := db.PowerOfAttorney(ctx, storage.Scope{}, id); got.State != mchd.StateRevoked {
			t.Errorf("%s after dismissal: %s", id, got.State)
		}
	}
	if len(e.reg.revoked) != 1 {
		t.Errorf("unregistered ones went to the registry: %v", e.reg.revoked)
	}
}

func testScope(t *testing.T, db *storage.DB) {
	ctx := context.Background()
	e := newEnv(t, db, 2)
	d := draftOne(t, e)
	for _, c := range []struct {
		name string
		p    *access.Principal
		want errs.Kind
	}{
		{"accountant", &access.Principal{Actor: "user:acc", AccountID: e.f.AccountA, Role: model.RoleAccountant}, errs.Forbidden},
		{"other account", &access.Principal{Actor: "user:b", AccountID: e.f.AccountB, Role: model.RoleAccountAdmin}, errs.NotFound},
		{"registrar of another organization", &access.Principal{Actor: "user:r", AccountID: e.f.AccountA, Role: model.RoleRegistrar,
			OrgIDs: []string{e.f.BranchOrg}}, errs.NotFound},
		{"another employee", &access.Principal{Actor: "user:e", AccountID: e.f.AccountA, Role: model.RoleEmployee,
			EmployeeID: e.workers[1]}, errs.NotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := e.svc.Get(ctx, c.p, d.ID); errs.KindOf(err) != c.want {
				t.Errorf("Get: %v, want %s", err, c.want)
			}
			if _, _, err := e.svc.File(ctx, c.p, d.ID); errs.KindOf(err) != c.want {
				t.Errorf("File: %v, want %s", err, c.want)
			}
		})
	}
	for name, p := range map[string]*access.Principal{
		"own employee": {Actor: "user:e", AccountID: e.f.AccountA, Role: model.RoleEmployee, EmployeeID: e.workers[0]},
		"operator":     {Actor: "user:op", Role: model.RoleOperator},
		"registrar":    {Actor: "user:r", AccountID: e.f.AccountA, Role: model.RoleRegistrar, OrgIDs: []string{e.f.HeadOrg}},
	} {
		if _, err := e.svc.Get(ctx, p, d.ID); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	op := &access.Principal{Actor: "user:op", Role: model.RoleOperator}
	if _, _, err := e.svc.File(ctx, op, d.ID); errs.KindOf(err) != errs.Forbidden {
		t.Errorf("the operator reading the file (personal data): %v", err)
	}
	emp := &access.Principal{Actor: "user:e", AccountID: e.f.AccountA, Role: model.RoleEmployee, EmployeeID: e.workers[0]}
	if _, err := e.svc.Revoke(ctx, emp, d.ID, "x"); errs.KindOf(err) != errs.Forbidden {
		t.Errorf("an employee revoking: %v", err)
	}
	page, err := e.svc.List(ctx, emp, attorney.ListFilter{}, "", 0)
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != d.ID {
		t.Errorf("an employee's list: %+v, %v", page, err)
	}
}
