package testdb

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/storage"
)

// Requisites of the fixture's account A (valid check digits). The branch shares the head's ИНН and ОГРН
// and has its own КПП, as branches do.
const (
	HeadName   = "ООО Ромашка"
	HeadINN    = "7707083893"
	HeadKPP    = "773601001"
	HeadOGRN   = "1027700132195"
	BranchName = "Филиал ООО Ромашка в Санкт-Петербурге"
	BranchKPP  = "781043001"
	HeadSNILS  = "11223344595" // СНИЛС of the head organization's employee
	OrgBName   = "АО Василёк"
)

// Fix holds the ids of the rows Fixture inserted:
//
//	account A ─ HeadOrg (legal entity "ООО Ромашка")   ─ HeadEmployee   (Иванов Иван Иванович)     ─ HeadApp   (kind head)
//	          └ BranchOrg (branch of HeadOrg)          ─ BranchEmployee (Петрова Мария Сергеевна)  ─ BranchApp (legal_entity_employee)
//	account B ─ OrgB (legal entity "АО Василёк")       ─ EmployeeB      (Сидоров Пётр Алексеевич)  ─ AppB      (legal_entity_employee)
//
// Every application is a draft created by "user:fixture". Ids are UUIDv7 strings, so rows created later
// sort after these. Each call inserts new accounts, so a test may call Fixture several times on one database.
type Fix struct {
	Now                                     time.Time // every row's created_at/updated_at, in microseconds
	AccountA, AccountB                      string
	HeadOrg, BranchOrg, OrgB                string
	HeadEmployee, BranchEmployee, EmployeeB string
	HeadApp, BranchApp, AppB                string
	OrgBINN, OrgBKPP, OrgBOGRN              string
	BranchSNILS, SNILSB                     string
}

// NewID returns a fresh UUIDv7 string: ids made later sort after ids made earlier.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// Fixture inserts the small data set described at Fix through storage's own methods and returns its ids.
func Fixture(t testing.TB, db *storage.DB) *Fix {
	t.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(20240101, 7)) // reproducible generated requisites
	now := time.Now().UTC().Truncate(time.Microsecond)
	f := &Fix{Now: now, AccountA: NewID(), AccountB: NewID(), HeadOrg: NewID(), BranchOrg: NewID(), OrgB: NewID(),
		HeadEmployee: NewID(), BranchEmployee: NewID(), EmployeeB: NewID()}
	f.OrgBINN = requisites.GenerateINN10(r)
	f.OrgBKPP = requisites.GenerateKPP(r, f.OrgBINN)
	f.OrgBOGRN = requisites.GenerateOGRN(r)
	f.BranchSNILS, f.SNILSB = requisites.GenerateSNILS(r), requisites.GenerateSNILS(r)
	for _, c := range []struct {
		what     string
		validate func(string) error
		v        string
	}{{"ИНН", requisites.ValidateOrgINN, HeadINN}, {"ИНН", requisites.ValidateOrgINN, f.OrgBINN},
		{"КПП", requisites.ValidateKPP, HeadKPP}, {"КПП", requisites.ValidateKPP, BranchKPP}, {"КПП", requisites.ValidateKPP, f.OrgBKPP},
		{"ОГРН", requisites.ValidateOGRN, HeadOGRN}, {"ОГРН", requisites.ValidateOGRN, f.OrgBOGRN},
		{"СНИЛС", requisites.ValidateSNILS, HeadSNILS}, {"СНИЛС", requisites.ValidateSNILS, f.BranchSNILS},
		{"СНИЛС", requisites.ValidateSNILS, f.SNILSB}} {
		if err := c.validate(c.v); err != nil {
			t.Fatalf("fixture %s %s: %v", c.what, c.v, err)
		}
	}

	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture: %s: %v", what, err)
		}
	}
	must("account A", db.CreateAccount(ctx, &model.Account{ID: f.AccountA, Name: "Холдинг Ромашка", CreatedAt: now}))
	must("account B", db.CreateAccount(ctx, &model.Account{ID: f.AccountB, Name: "Василёк", CreatedAt: now}))

	org := func(id, account, parent string, kind model.OrgKind, name, inn, kpp, ogrn, address, region string) {
		t.Helper()
		must("organization "+name, db.CreateOrganization(ctx, &model.Organization{ID: id, AccountID: account, ParentID: parent,
			Kind: kind, Sector: model.SectorCommercial, Name: name, INN: inn, KPP: kpp, OGRN: ogrn, Address: address,
			Region: region, CreatedAt: now, UpdatedAt: now}))
	}
	org(f.HeadOrg, f.AccountA, "", model.OrgLegalEntity, HeadName, HeadINN, HeadKPP, HeadOGRN,
		"г. Москва, ул. Вавилова, д. 19", "77")
	org(f.BranchOrg, f.AccountA, f.HeadOrg, model.OrgBranch, BranchName, HeadINN, BranchKPP, HeadOGRN,
		"г. Санкт-Петербург, Невский пр., д. 1", "78")
	org(f.OrgB, f.AccountB, "", model.OrgLegalEntity, OrgBName, f.OrgBINN, f.OrgBKPP, f.OrgBOGRN,
		"г. Казань, ул. Баумана, д. 5", "16")

	emp := func(id, account, orgID, sur, given, patr, snils, position string) {
		t.Helper()
		must("employee "+sur, db.CreateEmployee(ctx, &model.Employee{ID: id, AccountID: account, OrganizationID: orgID,
			Surname: sur, GivenName: given, Patronymic: patr, BirthDate: "1985-04-12", SNILS: snils,
			INN: requisites.GenerateINN12(r), Email: "person@example.ru", Phone: "+79990000000", Position: position,
			Document: model.IdentityDocument{Type: "passport_rf", Series: "4510", Number: "123456", IssueDate: "2010-05-20",
				Issuer: "ОВД района Хамовники г. Москвы", IssuerCode: "772-001"},
			CreatedAt: now, UpdatedAt: now}))
	}
	emp(f.HeadEmployee, f.AccountA, f.HeadOrg, "Иванов", "Иван", "Иванович", HeadSNILS, "Генеральный директор")
	emp(f.BranchEmployee, f.AccountA, f.BranchOrg, "Петрова", "Мария", "Сергеевна", f.BranchSNILS, "Бухгалтер")
	emp(f.EmployeeB, f.AccountB, f.OrgB, "Сидоров", "Пётр", "Алексеевич", f.SNILSB, "Юрист")

	app := func(account, orgID, empID string, kind model.CertKind) string {
		t.Helper()
		id := NewID()
		must("application", db.CreateApplication(ctx, &model.Application{ID: id, AccountID: account, OrganizationID: orgID,
			EmployeeID: empID, Kind: kind, State: model.StateDraft, CreatedBy: "user:fixture", CreatedAt: now, UpdatedAt: now}))
		return id
	}
	f.HeadApp = app(f.AccountA, f.HeadOrg, f.HeadEmployee, model.KindHead)
	f.BranchApp = app(f.AccountA, f.BranchOrg, f.BranchEmployee, model.KindLegalEntityEmployee)
	f.AppB = app(f.AccountB, f.OrgB, f.EmployeeB, model.KindLegalEntityEmployee)
	return f
}
