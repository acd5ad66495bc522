package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/testdb"
)

// BenchmarkDashboard100k renders the dashboard of an account administrator whose account holds 100,000
// valid certificates (SQLite), and reports the p50 and p95 render times.
//
//	go test ./internal/web -run '^$' -bench Dashboard100k -benchtime 30x
func BenchmarkDashboard100k(b *testing.B) {
	const n = 100_000
	db := testdb.Engines(b)[0].Open(b)
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	acc := &access.Service{DB: db, Clock: clk}
	reg := &registration.Service{DB: db, Clock: clk}
	boot := &access.Principal{Actor: "system:bench", Role: model.RoleOperator}
	acct, err := acc.CreateAccount(ctx, boot, access.AccountInput{Name: "Холдинг"})
	must(b, err)
	u, err := acc.CreateUser(ctx, boot, access.UserInput{Login: "account_admin", Role: model.RoleAccountAdmin,
		AccountID: acct.ID, Password: testPassword, FullName: "Администратор"})
	must(b, err)
	admin := access.PrincipalOfUser(u)
	org, err := reg.CreateOrganization(ctx, admin, "", registration.OrganizationInput{Kind: model.OrgLegalEntity,
		Name: orgAName, INN: orgAINN, KPP: "773601001", OGRN: "1027700132195", Address: "Москва", Region: "77"})
	must(b, err)
	emp, err := reg.CreateEmployee(ctx, admin, employeeInput(org.ID, empAName, snilsA, passA))
	must(b, err)
	now := clk.Now()
	kinds := []model.CertKind{model.KindIndividual, model.KindHead, model.KindLegalEntityEmployee}
	must(b, db.InTx(ctx, func(ctx context.Context) error {
		for i := range n {
			from := now.AddDate(-1, 0, i%365)
			if err := db.CreateCertificate(ctx, &model.Certificate{Serial: fmt.Sprintf("%040x", i+1), AccountID: acct.ID,
				OrganizationID: org.ID, EmployeeID: emp.ID, Kind: kinds[i%len(kinds)], Status: model.CertValid, Issuer: "bench",
				NotBefore: from, NotAfter: from.AddDate(1, 3, 0), CreatedAt: now, DER: []byte{0x30, 0x00},
				PublicKeyHash: fmt.Sprintf("h%d", i)}); err != nil {
				return err
			}
		}
		return nil
	}))
	must(b, db.Optimize(ctx)) // as kcr serve's hourly job leaves the statistics
	token, _, err := acc.Login(ctx, "account_admin", testPassword)
	must(b, err)
	h := &Handler{Access: acc, Reg: reg, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	mux := http.NewServeMux()
	h.Register(mux)
	get := func() time.Duration {
		req := httptest.NewRequest("GET", "/ui/", nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
		rec := httptest.NewRecorder()
		start := time.Now()
		mux.ServeHTTP(rec, req)
		d := time.Since(start)
		if rec.Code != http.StatusOK {
			b.Fatalf("dashboard: %d %.300s", rec.Code, rec.Body.String())
		}
		return d
	}
	get() // warm the caches once
	var times []time.Duration
	b.ResetTimer()
	for b.Loop() {
		times = append(times, get())
	}
	b.StopTimer()
	slices.Sort(times)
	ms := func(q float64) float64 {
		return float64(times[min(len(times)-1, int(q*float64(len(times))))].Microseconds()) / 1000
	}
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.95), "p95-ms")
}
