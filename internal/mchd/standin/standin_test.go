package standin_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/cms"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/mchd/standin"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
	"github.com/kcr-project/kcr/internal/x509gost"
)

const (
	number = "0c9f6f0e-3d1c-4f6e-9a59-2b8a6c1d7e42"
	delay  = time.Minute
	base   = "https://kcr.example.ru/"
)

// t0 is 12:00 in Moscow on the issue date of the test power of attorney.
var t0 = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, rules.MSK) }

// env is a stand-in over a fresh database of one engine, its clock standing at t0.
type env struct {
	db  *storage.DB
	clk *clock.Fake
	reg *standin.Registry
	pki *testPKI
}

func newEnv(t *testing.T, eng testdb.Engine) *env {
	t.Helper()
	e := &env{db: eng.Open(t), clk: clock.NewFake(t0), pki: getPKI(t)}
	e.reg = e.registry(e.db, e.clk)
	return e
}

// registry is another replica: a stand-in over db with its own clock.
func (e *env) registry(db standin.Store, clk clock.Clock) *standin.Registry {
	return standin.New(db, clk, standin.Options{StatusBaseURL: base, Delay: delay, Roots: []*x509gost.Certificate{e.pki.root}})
}

// document is a valid power of attorney file numbered num, changed by edit first when given.
func document(t *testing.T, num string, edit func(*mchd.Document)) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(12, 17))
	doc := &mchd.Document{
		Number: num, InternalNumber: "МЧД-2026/15", IssueDate: day(2026, time.December, 7), EndDate: day(2027, time.December, 6),
		Kind: mchd.KindOrdinary, Retrust: mchd.RetrustNone,
		Grantor: mchd.Organization{Name: `ООО "Ромашка & Co" <тест>`, INN: orgINN, KPP: testdb.HeadKPP, OGRN: orgOGRN},
		Head: mchd.Person{LastName: "Головин", FirstName: "Пётр", MiddleName: "Сергеевич", Position: "Генеральный директор",
			INN: requisites.GenerateINN12(r), SNILS: headSNILS},
		Representative: mchd.Person{LastName: "Смирнова", FirstName: "Анна", SNILS: requisites.GenerateSNILS(r)},
		Powers:         []mchd.Power{{Code: "DEMO_INVOICE_SIGN", Name: mchd.PowerByCode("DEMO_INVOICE_SIGN").Name}},
		StatusURL:      "https://kcr.example.ru/registry/mchd/status?guid=" + num,
	}
	if edit != nil {
		edit(doc)
	}
	_, data, err := mchd.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// sign is cert's detached signature of content, made now.
func (e *env) sign(t *testing.T, content []byte, cert *x509gost.Certificate) []byte {
	t.Helper()
	sig, err := cms.Sign(content, e.pki.key, cert, nil, e.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func (e *env) status(t *testing.T, num string) *mchd.RegistryState {
	t.Helper()
	st, err := e.reg.Status(t.Context(), num)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// register submits and waits out the delay, returning the decided state.
func (e *env) register(t *testing.T, num string, file, sig []byte) *mchd.RegistryState {
	t.Helper()
	if _, err := e.reg.Register(t.Context(), num, file, sig); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(delay)
	return e.status(t, num)
}

// active registers a valid power of attorney and checks it became ACTIVE.
func (e *env) active(t *testing.T, num string) {
	t.Helper()
	file := document(t, num, nil)
	if st := e.register(t, num, file, e.sign(t, file, e.pki.head)); st.Status != mchd.RegistryActive {
		t.Fatalf("valid power of attorney: %+v", st)
	}
}

func wantField(t *testing.T, err error, field, rule string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != field || e.Fields[0].Rule != rule {
		t.Fatalf("err = %v, want a validation error of %s (%s)", err, field, rule)
	}
}

func TestRegisterDecides(t *testing.T) {
	p := getPKI(t)
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, eng)
			good := document(t, number, nil)
			cases := []struct {
				name   string
				submit func(num string) (file, sig []byte)
				reason string
			}{
				{"valid", func(string) ([]byte, []byte) { return good, e.sign(t, good, p.head) }, ""},
				{"not an ЕМЧД file", func(string) ([]byte, []byte) {
					junk := []byte("<?xml version=\"1.0\"?><Доверенность/>")
					return junk, e.sign(t, junk, p.head)
				}, standin.ReasonFormat},
				{"number differs from the file's", func(string) ([]byte, []byte) { return good, e.sign(t, good, p.head) }, standin.ReasonNumber},
				{"signature over other bytes", func(num string) ([]byte, []byte) {
					return document(t, num, nil), e.sign(t, document(t, num, func(d *mchd.Document) { d.InternalNumber = "другой" }), p.head)
				}, standin.ReasonDigest},
				{"signature not CMS", func(num string) ([]byte, []byte) { return document(t, num, nil), []byte("not a signature") }, standin.ReasonSignature},
				{"untrusted CA", func(num string) ([]byte, []byte) {
					f := document(t, num, nil)
					return f, e.sign(t, f, p.untrusted)
				}, standin.ReasonUntrusted},
				{"expired certificate", func(num string) ([]byte, []byte) {
					f := document(t, num, nil)
					return f, e.sign(t, f, p.expired)
				}, standin.ReasonCertExpired},
				{"head of another organization", func(num string) ([]byte, []byte) {
					f := document(t, num, nil)
					return f, e.sign(t, f, p.otherOrgHead)
				}, standin.ReasonOrganization},
				{"not the head", func(num string) ([]byte, []byte) {
					f := document(t, num, nil)
					return f, e.sign(t, f, p.notHead)
				}, standin.ReasonHead},
				{"end date passed", func(num string) ([]byte, []byte) {
					f := document(t, num, func(d *mchd.Document) {
						d.IssueDate, d.EndDate = day(2026, time.January, 10), day(2026, time.December, 6)
					})
					return f, e.sign(t, f, p.head)
				}, standin.ReasonExpired},
			}
			for i, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					num := number
					if i > 0 {
						num = testdb.NewID()
					}
					file, sig := c.submit(num)
					submitted := e.clk.Now()
					op, err := e.reg.Register(t.Context(), num, file, sig)
					if err != nil || op == "" {
						t.Fatalf("Register = %q, %v", op, err)
					}
					e.clk.Add(delay - time.Second)
					if st := e.status(t, num); st.Status != mchd.RegistryProcessing || !st.At.Equal(submitted) || st.Reason != "" {
						t.Fatalf("before the delay: %+v, want PROCESSING since %v", st, submitted)
					}
					e.clk.Add(time.Second)
					decided := e.clk.Now()
					want := mchd.RegistryState{Status: mchd.RegistryActive, At: decided}
					if c.reason != "" {
						want = mchd.RegistryState{Status: mchd.RegistryRejected, Reason: c.reason, At: decided}
					}
					if st := e.status(t, num); *st != want {
						t.Errorf("after the delay: %+v, want %+v", st, want)
					}
					e.clk.Add(time.Hour)
					if st := e.status(t, num); *st != want {
						t.Errorf("an hour later: %+v, want %+v as decided", st, want)
					}
				})
			}
		})
	}
}

func TestRegisterRefusals(t *testing.T) {
	p := getPKI(t)
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, eng)
			ctx := t.Context()
			file := document(t, number, nil)
			sig := e.sign(t, file, p.head)

			for _, c := range []struct {
				name, num   string
				file, sig   []byte
				field, rule string
			}{
				{"malformed number", "0c9f6f0e-3d1c-4f6e-9a59", file, sig, "number", "format"},
				{"no file", number, nil, sig, "file", "required"},
				{"no signature", number, file, nil, "signature", "required"},
				{"oversized file", number, make([]byte, mchd.MaxFileSize+1), sig, "file", "too_large"},
				{"oversized signature", number, file, make([]byte, cms.MaxSignatureSize+1), "signature", "too_large"},
			} {
				t.Run(c.name, func(t *testing.T) {
					_, err := e.reg.Register(ctx, c.num, c.file, c.sig)
					wantField(t, err, c.field, c.rule)
				})
			}
			if _, err := e.reg.Status(ctx, number); !errors.Is(err, mchd.ErrUnknownNumber) {
				t.Fatalf("refused submissions were stored: Status = %v", err)
			}

			if _, err := e.reg.Register(ctx, number, file, sig); err != nil {
				t.Fatal(err)
			}
			resigned := e.sign(t, file, p.head) // GOST signatures are randomized: other bytes
			for _, c := range []struct {
				name string
				num  string
				sig  []byte
				want error
			}{
				{"same signature while processing", number, sig, mchd.ErrRepeatedRegistration},
				{"other signature while processing", number, resigned, mchd.ErrDifferentSignature},
			} {
				if _, err := e.reg.Register(ctx, c.num, file, c.sig); !errors.Is(err, c.want) {
					t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
				}
			}
			e.clk.Add(delay)
			for _, c := range []struct {
				name string
				num  string
				sig  []byte
				want error
			}{
				{"same signature when active", number, sig, mchd.ErrRepeatedRegistration},
				{"same signature, number in upper case", strings.ToUpper(number), sig, mchd.ErrRepeatedRegistration},
				{"other signature when active", number, resigned, mchd.ErrDifferentSignature},
			} {
				if _, err := e.reg.Register(ctx, c.num, file, c.sig); !errors.Is(err, c.want) {
					t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
				}
			}
			if st := e.status(t, number); st.Status != mchd.RegistryActive {
				t.Errorf("refused registrations changed the status: %+v", st)
			}

			// A rejected registration does not hold the number: a corrected submission replaces it.
			num := testdb.NewID()
			f := document(t, num, nil)
			if st := e.register(t, num, f, e.sign(t, f, p.notHead)); st.Status != mchd.RegistryRejected {
				t.Fatalf("signed by someone else: %+v", st)
			}
			op, err := e.reg.Register(ctx, num, f, e.sign(t, f, p.head))
			if err != nil || op == "" {
				t.Fatalf("resubmission after a rejection: %q, %v", op, err)
			}
			if st := e.status(t, num); st.Status != mchd.RegistryProcessing || st.Reason != "" {
				t.Fatalf("resubmitted: %+v, want PROCESSING", st)
			}
			e.clk.Add(delay)
			if st := e.status(t, num); st.Status != mchd.RegistryActive {
				t.Fatalf("resubmitted and decided: %+v, want ACTIVE", st)
			}
		})
	}
}

func TestStatusRefusals(t *testing.T) {
	eng := testdb.Engines(t)[0]
	e := newEnv(t, eng)
	if _, err := e.reg.Status(t.Context(), number); !errors.Is(err, mchd.ErrUnknownNumber) {
		t.Errorf("unknown number: err = %v", err)
	}
	_, err := e.reg.Status(t.Context(), "not-a-guid")
	wantField(t, err, "number", "format")
}

func TestExpiry(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, eng)
			e.active(t, number)
			// The end date is 2027-12-06: the whole Moscow day, not a UTC one.
			e.clk.Set(time.Date(2027, 12, 6, 23, 59, 0, 0, rules.MSK))
			if st := e.status(t, number); st.Status != mchd.RegistryActive {
				t.Fatalf("on the end date: %+v, want ACTIVE", st)
			}
			e.clk.Set(time.Date(2027, 12, 7, 0, 0, 0, 0, rules.MSK))
			want := mchd.RegistryState{Status: mchd.RegistryExpired, At: day(2027, time.December, 7).UTC()}
			if st := e.status(t, number); *st != want {
				t.Fatalf("the day after: %+v, want %+v", st, want)
			}
			e.clk.Add(48 * time.Hour)
			if st := e.status(t, number); *st != want {
				t.Fatalf("later: %+v, want %+v", st, want)
			}
		})
	}
}

func TestRevoke(t *testing.T) {
	p := getPKI(t)
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, eng)
			ctx := t.Context()
			processing, rejected, expired := testdb.NewID(), testdb.NewID(), testdb.NewID()
			e.active(t, number)
			f := document(t, rejected, nil)
			e.register(t, rejected, f, e.sign(t, f, p.otherOrgHead))
			f = document(t, expired, func(d *mchd.Document) { d.EndDate = day(2026, time.December, 8) })
			e.register(t, expired, f, e.sign(t, f, p.head))
			statement := []byte("Заявление об отмене доверенности " + number)
			rv := func(num string, edit func(*mchd.Revocation)) *mchd.Revocation {
				r := &mchd.Revocation{Number: num, Reason: "Сотрудник уволен", OrgName: "ООО Ромашка", INN: orgINN,
					KPP: testdb.HeadKPP, OGRN: orgOGRN, Date: e.clk.Now()}
				if edit != nil {
					edit(r)
				}
				return r
			}
			e.clk.Set(time.Date(2026, 12, 9, 10, 0, 0, 0, rules.MSK)) // the "expired" one ended yesterday
			f = document(t, processing, nil)
			if _, err := e.reg.Register(ctx, processing, f, e.sign(t, f, p.head)); err != nil {
				t.Fatal(err)
			}

			refusals := []struct {
				name  string
				rv    *mchd.Revocation
				check func(error) bool
			}{
				{"unknown number", rv(testdb.NewID(), nil), func(err error) bool { return errors.Is(err, mchd.ErrUnknownNumber) }},
				{"still processing", rv(processing, nil), conflict("still being registered")},
				{"rejected", rv(rejected, nil), conflict("was rejected")},
				{"expired", rv(expired, nil), conflict("has expired")},
				{"no reason", rv(number, func(r *mchd.Revocation) { r.Reason = "  " }), field("reason", "required")},
				{"malformed number", rv("0c9f6f0e", nil), field("number", "format")},
				{"another organization", rv(number, func(r *mchd.Revocation) { r.INN = otherINN }), field("inn", "not_grantor")},
				{"statement without signature", rv(number, func(r *mchd.Revocation) { r.Statement = statement }), field("signature", "required")},
				{"signature without statement", rv(number, func(r *mchd.Revocation) { r.Signature = e.sign(t, statement, p.head) }), field("statement", "required")},
				{"statement signed by someone else", rv(number, func(r *mchd.Revocation) {
					r.Statement, r.Signature = statement, e.sign(t, statement, p.notHead)
				}), field("signature", "head")},
				{"signature over another statement", rv(number, func(r *mchd.Revocation) {
					r.Statement, r.Signature = statement, e.sign(t, []byte("другое"), p.head)
				}), field("signature", "invalid")},
			}
			for _, c := range refusals {
				t.Run(c.name, func(t *testing.T) {
					if err := e.reg.Revoke(ctx, c.rv); !c.check(err) {
						t.Errorf("err = %v", err)
					}
				})
			}
			if st := e.status(t, number); st.Status != mchd.RegistryActive {
				t.Fatalf("refused revocations changed the status: %+v", st)
			}

			at := e.clk.Now()
			if err := e.reg.Revoke(ctx, rv(strings.ToUpper(number), nil)); err != nil {
				t.Fatal(err)
			}
			want := mchd.RegistryState{Status: mchd.RegistryRevoked, Reason: "Сотрудник уволен", At: at}
			e.clk.Add(time.Hour)
			if st := e.status(t, number); *st != want {
				t.Errorf("revoked: %+v, want %+v", st, want)
			}
			if err := e.reg.Revoke(ctx, rv(number, nil)); !conflict("already revoked")(err) {
				t.Errorf("revoking again: %v", err)
			}
			e.clk.Set(time.Date(2028, 1, 1, 0, 0, 0, 0, rules.MSK))
			if st := e.status(t, number); *st != want {
				t.Errorf("revoked stays revoked past the end date: %+v", st)
			}

			signed := testdb.NewID()
			e.clk.Set(t0)
			e.active(t, signed)
			if err := e.reg.Revoke(ctx, rv(signed, func(r *mchd.Revocation) {
				r.Statement, r.Signature = statement, e.sign(t, statement, p.head)
			})); err != nil {
				t.Fatalf("statement signed by the head: %v", err)
			}
			if st := e.status(t, signed); st.Status != mchd.RegistryRevoked {
				t.Errorf("after a signed revocation: %+v", st)
			}
		})
	}
}

func conflict(says string) func(error) bool {
	return func(err error) bool { return errs.Is(err, errs.Conflict) && strings.Contains(err.Error(), says) }
}

func field(name, rule string) func(error) bool {
	return func(err error) bool {
		var e *errs.Error
		return errors.As(err, &e) && e.Kind == errs.Invalid && len(e.Fields) == 1 && e.Fields[0].Field == name && e.Fields[0].Rule == rule
	}
}

// TestRestart: the state is in the database, so another process over it answers the same.
func TestRestart(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, eng)
			file := document(t, number, nil)
			sig := e.sign(t, file, getPKI(t).head)
			if _, err := e.reg.Register(t.Context(), number, file, sig); err != nil {
				t.Fatal(err)
			}
			e.clk.Add(delay)
			restarted := e.registry(testdb.Reopen(t, e.db), e.clk)
			st, err := restarted.Status(t.Context(), number)
			if err != nil || st.Status != mchd.RegistryActive {
				t.Fatalf("after a restart: %+v, %v", st, err)
			}
			if _, err := restarted.Register(t.Context(), number, file, sig); !errors.Is(err, mchd.ErrRepeatedRegistration) {
				t.Errorf("repeated after a restart: %v", err)
			}
		})
	}
}

// hookStore runs before once, just before the first conditional update it forwards: there another replica
// gets to change the entry between this replica's read and its update.
type hookStore struct {
	standin.Store
	once   sync.Once
	before func()
}

func (h *hookStore) ReplaceStandinEntry(ctx context.Context, e *storage.StandinEntry, operation, status string) (bool, error) {
	h.once.Do(h.before)
	return h.Store.ReplaceStandinEntry(ctx, e, operation, status)
}

// TestReplicasDecideOnce: replicas on one database polling at once decide a registration, and revoke a
// power of attorney, once; the replica that lost answers what the winner decided.
func TestReplicasDecideOnce(t *testing.T) {
	p := getPKI(t)
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, eng)
			ctx := t.Context()
			file := document(t, number, nil)
			if _, err := e.reg.Register(ctx, number, file, e.sign(t, file, p.head)); err != nil {
				t.Fatal(err)
			}

			// Replica A reads PROCESSING; before it writes, replica B (its clock ten seconds on) decides.
			clkA, clkB := clock.NewFake(t0.Add(delay+10*time.Second)), clock.NewFake(t0.Add(delay+20*time.Second))
			b := e.registry(testdb.Reopen(t, e.db), clkB)
			var fromB *mchd.RegistryState
			store := &hookStore{Store: e.db}
			store.before = func() {
				var err error
				if fromB, err = b.Status(ctx, number); err != nil {
					t.Error(err)
				}
			}
			fromA, err := e.registry(store, clkA).Status(ctx, number)
			if err != nil {
				t.Fatal(err)
			}
			want := mchd.RegistryState{Status: mchd.RegistryActive, At: clkB.Now()}
			if fromB == nil || *fromB != want || *fromA != want {
				t.Fatalf("B answered %+v, A answered %+v; both want B's decision %+v", fromB, fromA, want)
			}
			if st := e.status(t, number); *st != want {
				t.Fatalf("stored %+v, want %+v", st, want)
			}

			// A revokes; B revokes first: A is told it is already revoked, and B's reason stays.
			store = &hookStore{Store: e.db}
			store.before = func() {
				if err := b.Revoke(ctx, &mchd.Revocation{Number: number, Reason: "первый"}); err != nil {
					t.Error(err)
				}
			}
			err = e.registry(store, clkA).Revoke(ctx, &mchd.Revocation{Number: number, Reason: "второй"})
			if !conflict("already revoked")(err) {
				t.Fatalf("the later revocation: %v, want already revoked", err)
			}
			if st := e.status(t, number); st.Status != mchd.RegistryRevoked || st.Reason != "первый" {
				t.Fatalf("stored %+v, want B's revocation", st)
			}

			// Many replicas polling one registration at the same moment all answer one decision.
			num := testdb.NewID()
			f := document(t, num, nil)
			if _, err := e.reg.Register(ctx, num, f, e.sign(t, f, p.head)); err != nil {
				t.Fatal(err)
			}
			answers := make([]*mchd.RegistryState, 6)
			var wg sync.WaitGroup
			for i := range answers {
				replica := e.registry(testdb.Reopen(t, e.db), clock.NewFake(e.clk.Now().Add(delay+time.Duration(i)*time.Second)))
				wg.Go(func() {
					var err error
					if answers[i], err = replica.Status(ctx, num); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			for _, a := range answers {
				if a == nil || *a != *answers[0] || a.Status != mchd.RegistryActive {
					t.Fatalf("concurrent answers differ: %+v", answers)
				}
			}
			if st := e.status(t, num); *st != *answers[0] {
				t.Fatalf("stored %+v, answered %+v", st, answers[0])
			}
		})
	}
}

// TestIntermediates: a signature that does not carry the chain verifies with the intermediates configured.
func TestIntermediates(t *testing.T) {
	p := getPKI(t)
	eng := testdb.Engines(t)[0]
	e := newEnv(t, eng)
	file := document(t, number, nil)
	sig := e.sign(t, file, p.viaSub)
	if st := e.register(t, number, file, sig); st.Status != mchd.RegistryRejected || st.Reason != standin.ReasonUntrusted {
		t.Fatalf("without the intermediate: %+v, want rejected as untrusted", st)
	}
	e.reg = standin.New(e.db, e.clk, standin.Options{Delay: delay, Roots: []*x509gost.Certificate{p.root},
		Intermediates: []*x509gost.Certificate{p.sub}})
	if st := e.register(t, number, file, sig); st.Status != mchd.RegistryActive {
		t.Fatalf("with the intermediate: %+v, want ACTIVE", st)
	}
}

// TestRevocationHook: with IsRevokedBy set, a head's certificate revoked when the stand-in decides, or one
// whose status is unknown, gets the registration rejected.
func TestRevocationHook(t *testing.T) {
	p := getPKI(t)
	e := newEnv(t, testdb.Engines(t)[0])
	for _, c := range []struct {
		name   string
		answer bool
		err    error
		status mchd.RegistryStatus
		reason string
	}{
		{"not revoked", false, nil, mchd.RegistryActive, ""},
		{"revoked", true, nil, mchd.RegistryRejected, standin.ReasonCertRevoked},
		{"status unknown", false, errors.New("no CRL"), mchd.RegistryRejected, standin.ReasonCertStatus},
	} {
		t.Run(c.name, func(t *testing.T) {
			var asked time.Time
			e.reg = standin.New(e.db, e.clk, standin.Options{Delay: delay, Roots: []*x509gost.Certificate{p.root},
				IsRevokedBy: func(cert, issuer *x509gost.Certificate, at time.Time) (bool, error) {
					if cert.SerialNumber.Cmp(p.head.SerialNumber) != 0 || issuer != p.root {
						t.Errorf("asked about %v issued by %v", cert.Subject, issuer.Subject)
					}
					asked = at
					return c.answer, c.err
				}})
			num := testdb.NewID()
			file := document(t, num, nil)
			st := e.register(t, num, file, e.sign(t, file, p.head))
			if st.Status != c.status || st.Reason != c.reason || !asked.Equal(e.clk.Now()) {
				t.Errorf("%+v, asked about %v; want %s %q, asked about the decision time %v", st, asked, c.status, c.reason, e.clk.Now())
			}
		})
	}
}

func TestStatusURL(t *testing.T) {
	for _, c := range []struct{ base, want string }{
		{"https://kcr.example.ru/", "https://kcr.example.ru/registry/mchd/status?guid=" + number},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/registry/mchd/status?guid=" + number},
	} {
		if got := standin.New(nil, nil, standin.Options{StatusBaseURL: c.base}).StatusURL(number); got != c.want {
			t.Errorf("StatusURL with base %q = %q, want %q", c.base, got, c.want)
		}
	}
}
