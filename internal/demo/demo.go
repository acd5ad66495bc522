// Package demo fills an empty kcr database with a realistic holding — organizations, employees, users of
// every role, an API key, applications in every state and, when a CA is configured, valid, expiring and
// revoked certificates — so that a fresh
// installation can be tried at once. Everything goes through the real services (access.Service and
// registration.Service), so each row is validated and audited exactly as if it came through the API.
package demo

import (
	"context"
	crand "crypto/rand"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// Result is what the demo loader created, for printing at start-up.
type Result struct {
	AccountID string
	Users     []Credential // one per role: login, password, role
	APIKey    string       // secret of an account-scoped API key
	// Organizations, Employees and Applications count what was created.
	Organizations, Employees, Applications int
	// HeadKeys are the private keys of the demo heads' certificates by organization id, when the fns stand-in
	// issued them (serve --demo); the caller keeps them where only the demo reaches them (WriteHeadKeys).
	HeadKeys map[string]*gost.PrivateKey
}

// Credential is a demo user's login and password.
type Credential struct {
	Login, Password string
	Role            model.Role
}

// AccountName is the demo client's name.
const AccountName = "Холдинг «Северный ветер»"

// EmailDomain is the demo holding's mail domain.
const EmailDomain = "sever-veter.ru"

// Load fills an EMPTY database (storage.DB.CountAccounts()==0, else returns (nil, nil) — nothing loaded) with
// a realistic demo holding, through the real services (access.Service and registration.Service) so that
// every row is validated and audited exactly as through the API.
//
// The content (names, requisites, documents, passwords, the application scenario) is deterministic given
// seed and the services' clock; identifiers, time stamps, password salts, the API key's secret and the
// CSR keys are not. The whole load is one database transaction, so it lands completely or not at all (a
// failed load does not leave a half-filled database that the next start would skip). On SQLite two
// loaders starting together queue on the write lock and the second finds the first's account; on
// PostgreSQL the second fails on the taken logins and rolls back.
func Load(ctx context.Context, db *storage.DB, acc *access.Service, reg *registration.Service, seed uint64) (*Result, error) {
	var res *Result
	err := db.InTx(ctx, func(ctx context.Context) error {
		n, err := db.CountAccounts(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		l := &loader{acc: acc, reg: reg, r: rand.New(rand.NewPCG(seed, 0x6b6372646d6f)), now: reg.Clock.Now(),
			emails: map[string]bool{}, names: map[string]bool{}, headKeys: map[int]*gost.PrivateKey{}, headApps: map[int]string{}}
		res, err = l.load(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("demo data: %w", err)
	}
	return res, nil
}

// person is a generated employee before it is stored.
type person struct {
	in registration.EmployeeInput
	id string // set once stored
}

type loader struct {
	acc    *access.Service
	reg    *registration.Service
	r      *rand.Rand
	now    time.Time
	emails map[string]bool
	names  map[string]bool

	staff [][]*person // by organization index, in orgPlans order
	orgs  []*model.Organization

	admin, registrar, employee *access.Principal
	serviceCenter              string // id of the service center heads are identified at

	headKeys map[int]*gost.PrivateKey // the key of each head application's request, by organization index
	headApps map[int]string           // the head application of each organization, by index
}

// roleUser says which role gets which login and, for the account's users, which head-office employee
// the user is (by index in the head organization's positions).
var roleUsers = []struct {
	role  model.Role
	login string
	staff int // -1: not one of the holding's employees
}{
	{model.RoleOperator, "operator", -1},
	{model.RoleAccountAdmin, "admin", 7},
	{model.RoleOrgAdmin, "orgadmin", 5},
	{model.RoleRegistrar, "registrar", 6},
	{model.RoleAccountant, "accountant", 2},
	{model.RoleManager, "manager", 1},
	{model.RoleEmployee, "employee", 9},
}

func (l *loader) load(ctx context.Context) (*Result, error) {
	// Draw everything random first, in a fixed order, so that the content depends on the seed (and, for
	// passport dates near a 45th birthday, on the clock) only.
	passwords := make([]string, len(roleUsers))
	for i := range passwords {
		passwords[i] = l.password()
	}
	sur, given, patr := l.newName(0)
	operatorName := sur + " " + given + " " + patr
	reqs := l.requisites()
	l.staff = make([][]*person, len(orgPlans))
	for oi, op := range orgPlans {
		for _, pos := range op.positions {
			l.staff[oi] = append(l.staff[oi], l.newPerson(op, pos))
		}
	}
	head := l.staff[orgHead]

	// The CA operator onboards the client. The very first operator is created by a bootstrap principal:
	// nobody can sign in yet.
	boot := &access.Principal{Actor: "system:demo", Name: "demo", Role: model.RoleOperator}
	account, err := l.acc.CreateAccount(ctx, boot, access.AccountInput{Name: AccountName})
	if err != nil {
		return nil, fmt.Errorf("create the account: %w", err)
	}
	res := &Result{AccountID: account.ID}
	if b, ok := l.reg.Billing.(*billing.Service); ok {
		// The holding's contract, and the supplementary agreement that opens individual certificates.
		for _, in := range []billing.AgreementInput{{Kind: "contract", Number: "КЦР-2021/014", SignedOn: "2021-03-15"},
			{Kind: "supplementary", Number: "КЦР-2021/014-ДС1", SignedOn: "2022-09-01", Covers: rules.BillingIndividual}} {
			if _, err := b.CreateAgreement(ctx, boot, account.ID, in); err != nil {
				return nil, fmt.Errorf("record agreement %s: %w", in.Number, err)
			}
		}
	}
	center, err := l.reg.CreateServiceCenter(ctx, boot, registration.ServiceCenterInput{Name: "Сервисный центр «Пречистенка»",
		Address: "119034, г. Москва, ул. Пречистенка, д. 12", Region: "г. Москва", Hours: "пн–пт 9:00–18:00"})
	if err != nil {
		return nil, fmt.Errorf("create the service center: %w", err)
	}
	l.serviceCenter = center.ID
	users := map[model.Role]*model.User{}
	mkUser := func(p *access.Principal, i int, in access.UserInput) error {
		ru := roleUsers[i]
		in.Login, in.Role, in.Password = ru.login, ru.role, passwords[i]
		if ru.staff >= 0 {
			in.FullName = fullNameOf(&head[ru.staff].in)
		}
		u, err := l.acc.CreateUser(ctx, p, in)
		if err != nil {
			return fmt.Errorf("create the %s user: %w", ru.role, err)
		}
		users[ru.role] = u
		return nil
	}
	if err := mkUser(boot, 0, access.UserInput{FullName: operatorName}); err != nil {
		return nil, err
	}
	if err := mkUser(boot, 1, access.UserInput{AccountID: account.ID}); err != nil {
		return nil, err
	}
	l.admin = access.PrincipalOfUser(users[model.RoleAccountAdmin])

	// The account administrator describes the holding and its staff.
	for i, op := range orgPlans {
		in := registration.OrganizationInput{Kind: op.kind, Sector: model.SectorCommercial, Name: op.name, KPP: op.kpp,
			Address: op.address, Region: op.region.name, INN: reqs[i].inn, OGRN: reqs[i].ogrn}
		if i > orgHead {
			in.ParentID = l.orgs[orgHead].ID
		}
		if op.kind == model.OrgBranch {
			in.INN, in.OGRN = l.orgs[orgHead].INN, l.orgs[orgHead].OGRN
		}
		o, err := l.reg.CreateOrganization(ctx, l.admin, "", in)
		if err != nil {
			return nil, fmt.Errorf("create organization %s: %w", op.name, err)
		}
		l.orgs = append(l.orgs, o)
	}
	for oi := range orgPlans {
		for _, p := range l.staff[oi] {
			p.in.OrganizationID = l.orgs[oi].ID
			e, err := l.reg.CreateEmployee(ctx, l.admin, p.in)
			if err != nil {
				return nil, fmt.Errorf("create employee %s: %w", fullNameOf(&p.in), err)
			}
			p.id = e.ID
			res.Employees++
		}
	}
	res.Organizations = len(l.orgs)
	if err := l.recordHeads(ctx); err != nil {
		return nil, err
	}

	ids := func(idx ...int) []string {
		var out []string
		for _, i := range idx {
			out = append(out, l.orgs[i].ID)
		}
		return out
	}
	for i, ru := range roleUsers[2:] {
		in := access.UserInput{}
		switch ru.role {
		case model.RoleOrgAdmin:
			in.OrganizationIDs = ids(orgHead, orgSPb)
		case model.RoleRegistrar:
			in.OrganizationIDs = ids(orgHead, orgSPb, orgKazan)
		case model.RoleManager:
			in.OrganizationIDs = ids(orgHead, orgSPb, orgKazan, orgLogistics)
		case model.RoleEmployee:
			in.EmployeeID = head[ru.staff].id
		}
		if err := mkUser(l.admin, i+2, in); err != nil {
			return nil, err
		}
	}
	for i, ru := range roleUsers {
		res.Users = append(res.Users, Credential{Login: ru.login, Password: passwords[i], Role: ru.role})
	}
	l.registrar = access.PrincipalOfUser(users[model.RoleRegistrar])
	l.employee = access.PrincipalOfUser(users[model.RoleEmployee])

	_, secret, err := l.acc.CreateAPIKey(ctx, l.admin, access.APIKeyInput{Name: "Кадровая система 1С:ЗУП", AllOrganizations: true})
	if err != nil {
		return nil, fmt.Errorf("create the API key: %w", err)
	}
	res.APIKey = secret

	for _, ap := range historicalPlans {
		if err := l.application(ctx, ap, historicalDate); err != nil {
			return nil, fmt.Errorf("application of %s: %w", fullNameOf(&l.staff[ap.org][ap.emp].in), err)
		}
		res.Applications++
	}
	for _, ap := range appPlans {
		if err := l.application(ctx, ap, time.Time{}); err != nil {
			return nil, fmt.Errorf("application of %s: %w", fullNameOf(&l.staff[ap.org][ap.emp].in), err)
		}
		res.Applications++
	}
	if l.reg.StateCAs[rules.AuthorityFNS] != nil {
		if res.HeadKeys, err = l.issueHeads(ctx, account.ID); err != nil {
			return nil, err
		}
		res.Applications++
	}
	if l.reg.CA != nil {
		for _, ip := range issuedPlans {
			if err := l.application(ctx, ip.plan, l.now.AddDate(0, -ip.monthsAgo, 0)); err != nil {
				return nil, fmt.Errorf("application of %s: %w", fullNameOf(&l.staff[ip.plan.org][ip.plan.emp].in), err)
			}
			res.Applications++
		}
	}
	return res, nil
}

// ---- applications ----

type stepKind int

const (
	stCSR    stepKind = iota // the account administrator uploads a CSR on the employee's behalf
	stOwnCSR                 // the employee uploads their own CSR
	stSubmit
	stVerify
	stCorrect
	stApprove
	stDecline
	stCancel
	stIssue  // the registrar has the built-in CA issue the certificate
	stRevoke // the account administrator revokes the certificate
)

type step struct {
	kind   stepKind
	method model.VerificationMethod
	note   string // for stRevoke, the reason
}

var (
	csr     = step{kind: stCSR}
	ownCSR  = step{kind: stOwnCSR}
	submit  = step{kind: stSubmit}
	approve = step{kind: stApprove}
	issue   = step{kind: stIssue}
)

func revoke(reason string) step { return step{kind: stRevoke, note: reason} }

func verify(m model.VerificationMethod) step { return step{kind: stVerify, method: m} }
func correct(note string) step               { return step{kind: stCorrect, note: note} }
func decline(note string) step               { return step{kind: stDecline, note: note} }
func cancel(note string) step                { return step{kind: stCancel, note: note} }

// appPlan is one application of the scenario: whose, of which kind, the steps it went through and where
// it must end up.
type appPlan struct {
	org, emp int
	kind     model.CertKind
	steps    []step
	want     model.State
}

const (
	individual = model.KindIndividual
	legacy     = model.KindLegalEntityEmployee
	workplace  = model.VerifiedInPersonWorkplace
)

// appPlans is the applications scenario. The registrar acts (verify, approve, request a correction,
// decline, issue) only in the organizations the registrar is assigned to: the head office and both
// branches; the subsidiary's applications wait for its own registration officer.
var appPlans = []appPlan{
	// draft
	{orgHead, 13, individual, nil, model.StateDraft},
	{orgSPb, 4, individual, []step{csr}, model.StateDraft},
	{orgLogistics, 5, individual, nil, model.StateDraft},
	// documents
	{orgHead, 10, individual, []step{csr, submit}, model.StateDocuments},
	{orgHead, 9, individual, []step{submit, ownCSR}, model.StateDocuments}, // the employee user's own
	{orgSPb, 5, individual, []step{submit}, model.StateDocuments},
	{orgLogistics, 2, individual, []step{submit}, model.StateDocuments},
	// identity verification
	{orgHead, 11, individual, []step{csr, submit, submit}, model.StateIdentityVerification},
	{orgSPb, 6, individual, []step{submit, submit}, model.StateIdentityVerification},
	{orgKazan, 3, individual, []step{csr, submit, submit, verify(workplace)}, model.StateIdentityVerification},
	{orgKazan, 4, individual, []step{submit, submit, verify(workplace)}, model.StateIdentityVerification}, // no CSR yet
	{orgLogistics, 3, individual, []step{csr, submit, submit}, model.StateIdentityVerification},
	{orgHead, 4, individual, []step{submit, correct("Приложите скан страницы паспорта с местом жительства: " +
		"загружен только разворот с фотографией."), csr, submit}, model.StateIdentityVerification},
	// correction
	{orgHead, 12, individual, []step{submit, correct("Скан паспорта нечитаем: пересканируйте разворот " +
		"с фотографией в цвете, не менее 300 dpi.")}, model.StateCorrection},
	{orgSPb, 7, individual, []step{submit, submit, correct("Фамилия в заявлении не совпадает с паспортом: " +
		"проверьте написание буквы «ё».")}, model.StateCorrection},
	{orgKazan, 5, individual, []step{csr, submit, submit, verify(workplace), correct("СНИЛС не совпадает с " +
		"данными Социального фонда России: приложите уведомление о регистрации в системе индивидуального " +
		"(персонифицированного) учёта.")}, model.StateCorrection},
	// approved
	{orgHead, 0, model.KindHead, []step{csr, submit, submit, verify(model.VerifiedServiceCenter), approve}, model.StateApproved},
	{orgHead, 1, individual, []step{csr, submit, submit, verify(workplace), approve}, model.StateApproved},
	{orgHead, 2, individual, []step{csr, submit, submit, verify(workplace), approve}, model.StateApproved},
	{orgHead, 3, individual, []step{csr, submit, submit, verify(model.VerifiedServiceCenter), approve}, model.StateApproved},
	{orgSPb, 0, individual, []step{csr, submit, submit, verify(workplace), approve}, model.StateApproved},
	{orgKazan, 0, individual, []step{csr, submit, submit, verify(workplace), approve}, model.StateApproved},
	{orgKazan, 1, individual, []step{csr, submit, submit, verify(workplace), approve}, model.StateApproved},
	// declined
	{orgHead, 14, individual, []step{csr, submit, submit, decline("Заявитель не явился для проверки личности " +
		"в течение 30 дней.")}, model.StateDeclined},
	{orgKazan, 7, individual, []step{submit, decline("Паспорт значится недействительным по данным МВД России: " +
		"сотруднику нужно обратиться за новым паспортом.")}, model.StateDeclined},
	// cancelled
	{orgHead, 15, individual, []step{cancel("Заявка создана по ошибке.")}, model.StateCancelled},
	{orgLogistics, 7, individual, []step{submit, cancel("Сотрудник уволился.")}, model.StateCancelled},
	{orgSPb, 3, individual, []step{csr, submit, submit, verify(workplace), approve,
		cancel("Сотрудник переведён в ООО «Северный ветер Логистика»: нужна новая заявка.")}, model.StateCancelled},
	// and the SPb legacy applicant's new, individual application
	{orgSPb, 2, individual, []step{submit}, model.StateDocuments},
}

// historicalPlans happened in August 2023, before employees moved to individual certificates; they run on a
// clock set to then. The draft among them is carried over to an individual application the next time
// anyone acts on it (or by the bulk carry-over command).
var historicalPlans = []appPlan{
	{orgKazan, 6, legacy, nil, model.StateDraft},
	{orgSPb, 2, legacy, []step{submit, submit, decline("С 1 сентября 2023 г. сертификаты сотрудников с " +
		"реквизитами организации не выпускаются: оформите заявку на сертификат физического лица.")}, model.StateDeclined},
	{orgKazan, 1, legacy, []step{submit, cancel("Заменена заявкой на сертификат физического лица.")}, model.StateCancelled},
}

// historicalDate is when the historical plans happen.
var historicalDate = time.Date(2023, 8, 15, 7, 0, 0, 0, time.UTC)

var toIssue = []step{csr, submit, submit, verify(workplace), approve, issue}

// issuedPlans need a certification authority; they run when the registration service has one. They give
// the register valid, expiring and revoked certificates: monthsAgo runs the whole plan on a clock set back so
// many months, so that its certificate is about to expire.
var issuedPlans = []struct {
	plan      appPlan
	monthsAgo int
}{
	{appPlan{orgHead, 5, individual, toIssue, model.StateIssued}, 0},
	{appPlan{orgHead, 7, individual, toIssue, model.StateIssued}, 0},
	{appPlan{orgSPb, 1, individual, append(slices.Clone(toIssue), revoke("affiliation_changed")), model.StateIssued}, 0},
	{appPlan{orgHead, 6, individual, append(slices.Clone(toIssue), revoke("key_compromise")), model.StateIssued}, 0},
	{appPlan{orgHead, 8, individual, toIssue, model.StateIssued}, 11},
	{appPlan{orgKazan, 2, individual, toIssue, model.StateIssued}, 11},
}

func (l *loader) application(ctx context.Context, ap appPlan, at time.Time) error {
	reg := l.reg
	if !at.IsZero() {
		// The whole story happened back then: the same services on a clock set back.
		past := clock.NewFake(at)
		reg = &registration.Service{DB: l.reg.DB, Clock: past, CA: l.reg.CA, StateCAs: l.reg.StateCAs, Timeline: l.reg.Timeline,
			Billing: l.reg.Billing}
		if b, ok := l.reg.CA.(*ca.Builtin); ok {
			reg.CA = b.WithClock(past)
		}
	}
	p := l.staff[ap.org][ap.emp]
	v, err := reg.CreateApplication(ctx, l.admin, registration.ApplicationInput{EmployeeID: p.id, Kind: ap.kind})
	if err != nil {
		return err
	}
	id := v.ID
	if ap.kind == model.KindHead {
		l.headApps[ap.org] = id
	}
	for _, st := range ap.steps {
		switch st.kind {
		case stCSR, stOwnCSR:
			// body and its error stay apart from err: a := here would shadow err and drop UploadCSR's failure.
			body, key, csrErr := newCSR(fullNameOf(&p.in))
			if csrErr != nil {
				return csrErr
			}
			if ap.kind == model.KindHead {
				l.headKeys[ap.org] = key
			}
			who := l.admin
			if st.kind == stOwnCSR {
				who = l.employee
			}
			v, err = reg.UploadCSR(ctx, who, id, body)
		case stSubmit:
			v, err = reg.Act(ctx, l.admin, id, registration.ActSubmit, registration.ActionInput{})
		case stVerify:
			in := registration.ActionInput{Method: st.method}
			if st.method == model.VerifiedServiceCenter {
				in.ServiceCenterID = l.serviceCenter
			}
			v, err = reg.Act(ctx, l.registrar, id, registration.ActVerifyIdentity, in)
		case stCorrect:
			v, err = reg.Act(ctx, l.registrar, id, registration.ActRequestCorrection, registration.ActionInput{Note: st.note})
		case stApprove:
			v, err = reg.Act(ctx, l.registrar, id, registration.ActApprove, registration.ActionInput{})
		case stDecline:
			v, err = reg.Act(ctx, l.registrar, id, registration.ActDecline, registration.ActionInput{Note: st.note})
		case stCancel:
			v, err = reg.Act(ctx, l.admin, id, registration.ActCancel, registration.ActionInput{Note: st.note})
		case stIssue:
			v, err = reg.Act(ctx, l.registrar, id, registration.ActIssue, registration.ActionInput{})
		case stRevoke:
			_, err = reg.RevokeCertificate(ctx, l.admin, v.CertificateSerial, registration.RevokeInput{Reason: model.RevocationReason(st.note)})
		}
		if err != nil {
			return err
		}
	}
	if v.State != ap.want {
		return fmt.Errorf("the demo scenario left the application in state %s, not %s", v.State, ap.want)
	}
	return nil
}

// newCSR makes the PKCS#10 request (PEM) an employee's crypto tool would: a fresh GOST R 34.10-2012 key
// (tc26-256-A) signing its own request. Only the heads' keys are kept (to sign powers of attorney in the
// demo); the others are thrown away.
func newCSR(commonName string) ([]byte, *gost.PrivateKey, error) {
	ps, _ := gost.ParamSetByName("tc26-256-A")
	key, err := gost.GenerateKey(crand.Reader, ps)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509gost.CreateCertificateRequest(x509gost.Name{{OID: x509gost.OIDCommonName, Value: commonName,
		Tag: asn1.TagUTF8String}}, key, crand.Reader)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), key, nil
}

// ---- generated content ----

type orgRequisites struct{ inn, ogrn string }

// requisites makes the ИНН and ОГРН of the legal entities: a real-looking prefix (tax office, year and
// region) and random digits, completed with the check digits the validators accept.
func (l *loader) requisites() []orgRequisites {
	out := make([]orgRequisites, len(orgPlans))
	for i, op := range orgPlans {
		if op.kind != model.OrgLegalEntity {
			continue
		}
		out[i].inn = l.complete(op.innPrefix, 10, 1, requisites.ValidateINN10)
		out[i].ogrn = l.complete(op.ogrnHead, 13, 1, requisites.ValidateOGRN)
	}
	return out
}

// complete appends random digits to prefix up to n-check digits and then the check digits that make
// valid accept it, found by trying each (exactly one passes for ИНН and ОГРН).
func (l *loader) complete(prefix string, n, check int, valid func(string) error) string {
	body := []byte(prefix)
	for len(body) < n-check {
		body = append(body, byte('0'+l.r.IntN(10)))
	}
	limit := 1
	for range check {
		limit *= 10
	}
	for c := range limit {
		s := string(body) + fmt.Sprintf("%0*d", check, c)
		if valid(s) == nil {
			return s
		}
	}
	panic("demo: no check digits make " + string(body) + " valid") // the algorithms always have one
}

func (l *loader) pick(list []string) string { return list[l.r.IntN(len(list))] }

// password is readable and at least 12 characters: Word-word-NNNN.
func (l *loader) password() string {
	w1, w2 := l.pick(passwordWords), l.pick(passwordWords)
	return string(w1[0]-'a'+'A') + w1[1:] + "-" + w2 + "-" + strconv.Itoa(1000+l.r.IntN(9000))
}

// newName draws a full name not given yet; tatar is the chance (of 10) of a Tatar name. Surname and
// patronymic take the gender's form.
func (l *loader) newName(tatar int) (surname, given, patronymic string) {
	for {
		female := l.r.IntN(2) == 0
		g := 0
		if female {
			g = 1
		}
		givenNames, patrs, surnameList := [2][]string{maleNames, femaleNames}, patronymics, surnames
		if l.r.IntN(10) < tatar {
			givenNames, patrs, surnameList = [2][]string{tatarMaleNames, tatarFemaleNames}, tatarPatronymics, tatarSurnames
		}
		surname, given, patronymic = l.pick(surnameList), l.pick(givenNames[g]), patrs[l.r.IntN(len(patrs))][g]
		if female {
			surname = feminine(surname)
		}
		if key := surname + " " + given + " " + patronymic; !l.names[key] {
			l.names[key] = true
			return surname, given, patronymic
		}
	}
}

func fullNameOf(in *registration.EmployeeInput) string {
	return in.Surname + " " + in.GivenName + " " + in.Patronymic
}

var day = 24 * time.Hour

// date draws a day in [from, to].
func (l *loader) date(from, to time.Time) time.Time {
	return from.Add(time.Duration(l.r.IntN(int(to.Sub(from)/day)+1)) * day)
}

// newPerson makes an employee of the organization with the given position.
func (l *loader) newPerson(op orgPlan, position string) *person {
	home := op.region
	if l.r.IntN(10) < 2 { // some staff moved from another region and got their passport there
		home = regions[l.r.IntN(len(regions))]
	}
	surname, given, patronymic := l.newName(op.tatar)
	from, to := time.Date(1965, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2002, 12, 31, 0, 0, 0, 0, time.UTC)
	if senior(position) {
		to = time.Date(1988, 12, 31, 0, 0, 0, 0, time.UTC)
	}
	birth := l.date(from, to)
	return &person{in: registration.EmployeeInput{
		Surname: surname, GivenName: given, Patronymic: patronymic,
		BirthDate: birth.Format(time.DateOnly),
		SNILS:     requisites.GenerateSNILS(l.r),
		INN:       l.complete(l.pick(op.region.innOffices), 12, 2, requisites.ValidateINN12),
		Email:     l.email(given, surname),
		Phone:     "+7" + l.pick(op.region.phoneCodes) + fmt.Sprintf("%07d", l.r.IntN(10_000_000)),
		Position:  position,
		Document:  l.passport(home, birth),
	}}
}

// email is first-letter.surname@domain, or name.surname@domain when that is taken, or with a number.
func (l *loader) email(given, surname string) string {
	g, s := latin(given), latin(surname)
	initial := latin(string([]rune(given)[:1]))
	for i := 0; ; i++ {
		local := initial + "." + s
		switch {
		case i == 1:
			local = g + "." + s
		case i > 1:
			local = g + "." + s + strconv.Itoa(i)
		}
		if addr := local + "@" + EmailDomain; !l.emails[addr] {
			l.emails[addr] = true
			return addr
		}
	}
}

// passport makes a Russian passport as the person holds it now: one is issued at 14 and replaced at 20
// and at 45, a few weeks after the birthday. The series is the region's code and the year of issue; the
// issuer depends on the era (the police, the migration service, then the Ministry of the Interior).
func (l *loader) passport(home *region, birth time.Time) model.IdentityDocument {
	delay := 3 + l.r.IntN(58)
	var issued time.Time
	for _, age := range []int{14, 20, 45} {
		if d := birth.AddDate(age, 0, delay); !d.After(l.now) {
			issued = d
		}
	}
	if issued.IsZero() { // younger than 14 and a few weeks: the employee check refuses such a person anyway
		issued = l.now
	}
	var issuer string
	switch y := issued.Year(); {
	case y >= 2017:
		issuer = l.pick(home.mvd)
	case y >= 2006:
		issuer = l.pick(home.fms)
	default:
		issuer = l.pick(home.ovd)
	}
	return model.IdentityDocument{
		Type:       "passport_rf",
		Series:     home.okato + fmt.Sprintf("%02d", issued.Year()%100),
		Number:     strconv.Itoa(100000 + l.r.IntN(900000)),
		IssueDate:  issued.Format(time.DateOnly),
		Issuer:     issuer,
		IssuerCode: home.codePrefix + "-" + fmt.Sprintf("%03d", 1+l.r.IntN(99)),
	}
}

// ---- vocabulary ----

// What follows is the demo's vocabulary: regions with their tax offices and passport issuers, names,
// positions and the organizations of the holding. Everything random is drawn from it by a seeded RNG.

// region is what a person's documents look like where they live.
type region struct {
	name       string   // as written in an organization's region field
	okato      string   // the first two digits of a passport series
	innOffices []string // tax office codes, the first four digits of a personal ИНН
	codePrefix string   // the first three digits of a passport issuer code (код подразделения)
	phoneCodes []string // mobile codes common in the region, after +7
	// Passport issuers by era: the Ministry of the Interior (since 2016), the Federal Migration Service
	// (2006-2016) and the police departments before it.
	mvd, fms, ovd []string
}

var (
	regMoscow = &region{
		name:       "г. Москва",
		okato:      "45",
		innOffices: []string{"7701", "7703", "7704", "7705", "7707", "7710", "7713", "7715", "7717", "7719", "7720", "7722", "7723", "7724", "7727", "7728", "7729", "7731", "7734", "7736", "7743", "7751"},
		codePrefix: "770",
		phoneCodes: []string{"903", "905", "909", "915", "916", "925", "926", "977", "985", "999"},
		mvd:        []string{"ГУ МВД России по г. Москве"},
		fms: prefixAll("Отделением УФМС России по гор. Москве по району ", "Хамовники", "Басманный", "Сокольники", "Марьино",
			"Строгино", "Тверской", "Пресненский", "Южное Бутово", "Измайлово"),
		ovd: prefixSuffixAll("ОВД района ", " г. Москвы", "Хамовники", "Басманный", "Сокольники", "Марьино", "Строгино",
			"Измайлово"),
	}
	regSPb = &region{
		name:       "г. Санкт-Петербург",
		okato:      "40",
		innOffices: []string{"7801", "7802", "7804", "7805", "7806", "7807", "7810", "7811", "7813", "7814", "7816", "7817", "7819", "7820", "7825", "7842"},
		codePrefix: "780",
		phoneCodes: []string{"911", "921", "931", "981", "952", "904", "906"},
		mvd:        []string{"ГУ МВД России по г. Санкт-Петербургу и Ленинградской области"},
		fms: prefixSuffixAll("Отделом УФМС России по Санкт-Петербургу и Ленинградской обл. в ", " р-не гор. Санкт-Петербурга",
			"Центральном", "Адмиралтейском", "Василеостровском", "Московском", "Приморском", "Невском", "Калининском"),
		ovd: prefixSuffixAll("УВД ", " района г. Санкт-Петербурга", "Центрального", "Адмиралтейского", "Василеостровского",
			"Московского", "Приморского", "Невского"),
	}
	regTatarstan = &region{
		name:       "Республика Татарстан",
		okato:      "92",
		innOffices: []string{"1655", "1656", "1657", "1658", "1659", "1660", "1661", "1644", "1650", "1651"},
		codePrefix: "160",
		phoneCodes: []string{"917", "927", "937", "987", "960", "965", "950"},
		mvd:        []string{"МВД по Республике Татарстан"},
		fms: prefixSuffixAll("Отделом УФМС России по Республике Татарстан в ", " районе гор. Казани", "Вахитовском",
			"Приволжском", "Советском", "Ново-Савиновском", "Кировском", "Московском"),
		ovd: prefixSuffixAll("УВД ", " района г. Казани", "Вахитовского", "Приволжского", "Советского", "Ново-Савиновского"),
	}
	regMoscowOblast = &region{
		name:       "Московская область",
		okato:      "46",
		innOffices: []string{"5047", "5029", "5032", "5044", "5003", "5024", "5027", "5018", "5012", "5001"},
		codePrefix: "500",
		phoneCodes: []string{"903", "905", "915", "916", "925", "926", "977", "985"},
		mvd:        []string{"ГУ МВД России по Московской области"},
		fms: prefixAll("Межрайонным ОУФМС России по Московской обл. в гор. ", "Химки", "Красногорске", "Мытищи", "Подольске",
			"Одинцово", "Долгопрудном"),
		ovd: prefixSuffixAll("", " УВД Московской области", "Химкинским", "Красногорским", "Мытищинским", "Подольским",
			"Одинцовским"),
	}
	regions = []*region{regMoscow, regSPb, regTatarstan, regMoscowOblast}
)

func prefixAll(prefix string, names ...string) []string { return prefixSuffixAll(prefix, "", names...) }

func prefixSuffixAll(prefix, suffix string, names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n + suffix
	}
	return out
}

// orgPlan is one organization of the demo holding.
type orgPlan struct {
	kind      model.OrgKind
	name      string
	innPrefix string // "" for a branch: it has its parent's ИНН
	kpp       string
	ogrnHead  string // the first 7 digits of the ОГРН: record type, year, region, tax office; "" for a branch
	address   string
	region    *region
	// tatar is the share (of 10) of Tatar names among the staff.
	tatar     int
	positions []string
}

// The holding: index 0 is the head organization, 1 and 2 its branches, 3 its subsidiary. A branch's КПП
// starts with the code of the tax office of its own region and has reason code 43 (a branch of a Russian
// organization), so it differs from the ИНН's first four digits.
var orgPlans = []orgPlan{
	{
		kind: model.OrgLegalEntity, name: "АО «Северный ветер»", innPrefix: "7704", kpp: "770401001", ogrnHead: "1027739",
		address: "119034, г. Москва, ул. Пречистенка, д. 10, стр. 2", region: regMoscow, tatar: 1,
		positions: []string{
			"Генеральный директор",           // 0: the head application
			"Финансовый директор",            // 1: the manager user
			"Главный бухгалтер",              // 2: the accountant user
			"Бухгалтер",                      // 3
			"Бухгалтер по расчёту зарплаты",  // 4
			"Начальник отдела кадров",        // 5: the org_admin user
			"Специалист по кадрам",           // 6: the registrar user
			"Руководитель ИТ-отдела",         // 7: the account_admin user
			"Системный администратор",        // 8
			"Менеджер по закупкам",           // 9: the employee user
			"Менеджер по закупкам",           // 10
			"Юрисконсульт",                   // 11
			"Экономист",                      // 12
			"Менеджер по продажам",           // 13
			"Руководитель отдела продаж",     // 14
			"Специалист по документообороту", // 15
		},
	},
	{
		kind: model.OrgBranch, name: "Филиал АО «Северный ветер» в г. Санкт-Петербурге", kpp: "784243001",
		address: "191015, г. Санкт-Петербург, ул. Шпалерная, д. 51, лит. А", region: regSPb,
		positions: []string{"Директор филиала", "Бухгалтер", "Бухгалтер", "Менеджер по продажам", "Менеджер по продажам",
			"Начальник склада", "Специалист по логистике", "Менеджер по работе с клиентами"},
	},
	{
		kind: model.OrgBranch, name: "Филиал АО «Северный ветер» в г. Казани", kpp: "165543001",
		address: "420111, Республика Татарстан, г. Казань, ул. Баумана, д. 44/8", region: regTatarstan, tatar: 6,
		positions: []string{"Директор филиала", "Бухгалтер", "Менеджер по продажам", "Менеджер по продажам",
			"Менеджер по закупкам", "Начальник склада", "Инженер по охране труда", "Менеджер по работе с клиентами"},
	},
	{
		kind: model.OrgLegalEntity, name: "ООО «Северный ветер Логистика»", innPrefix: "5047", kpp: "504701001",
		ogrnHead: "1155047", address: "141400, Московская область, г. Химки, ул. Ленинградская, д. 29",
		region: regMoscowOblast, tatar: 1,
		positions: []string{"Генеральный директор", "Главный бухгалтер", "Логист", "Логист", "Диспетчер",
			"Менеджер по закупкам", "Специалист по таможенному оформлению", "Экономист"},
	},
}

// Indexes of the organizations in orgPlans.
const (
	orgHead = iota
	orgSPb
	orgKazan
	orgLogistics
)

// senior tells positions whose holders are usually older.
func senior(position string) bool {
	p := strings.ToLower(position)
	return strings.Contains(p, "директор") || strings.Contains(p, "главный") || strings.Contains(p, "руководитель") ||
		strings.Contains(p, "начальник")
}

// Names. Surnames are in the masculine form; feminine returns the feminine one.
var (
	maleNames = []string{"Александр", "Алексей", "Андрей", "Антон", "Артём", "Борис", "Вадим", "Валерий", "Василий",
		"Виктор", "Владимир", "Владислав", "Георгий", "Григорий", "Денис", "Дмитрий", "Евгений", "Егор", "Иван", "Игорь",
		"Илья", "Кирилл", "Константин", "Леонид", "Максим", "Михаил", "Никита", "Николай", "Олег", "Павел", "Роман",
		"Сергей", "Станислав", "Степан", "Тимофей", "Фёдор", "Юрий", "Ярослав"}
	femaleNames = []string{"Александра", "Алина", "Алла", "Анастасия", "Анна", "Валентина", "Вера", "Виктория", "Галина",
		"Дарья", "Екатерина", "Елена", "Елизавета", "Жанна", "Зоя", "Ирина", "Карина", "Ксения", "Лариса", "Любовь",
		"Людмила", "Маргарита", "Марина", "Мария", "Надежда", "Наталья", "Нина", "Оксана", "Ольга", "Полина", "Светлана",
		"Софья", "Татьяна", "Юлия", "Яна"}
	// Patronymics in masculine and feminine form, from the father's name.
	patronymics = [][2]string{{"Александрович", "Александровна"}, {"Алексеевич", "Алексеевна"}, {"Анатольевич", "Анатольевна"},
		{"Андреевич", "Андреевна"}, {"Борисович", "Борисовна"}, {"Валерьевич", "Валерьевна"}, {"Васильевич", "Васильевна"},
		{"Викторович", "Викторовна"}, {"Владимирович", "Владимировна"}, {"Геннадьевич", "Геннадьевна"},
		{"Григорьевич", "Григорьевна"}, {"Дмитриевич", "Дмитриевна"}, {"Евгеньевич", "Евгеньевна"},
		{"Иванович", "Ивановна"}, {"Игоревич", "Игоревна"}, {"Ильич", "Ильинична"}, {"Константинович", "Константиновна"},
		{"Михайлович", "Михайловна"}, {"Николаевич", "Николаевна"}, {"Олегович", "Олеговна"}, {"Павлович", "Павловна"},
		{"Петрович", "Петровна"}, {"Романович", "Романовна"}, {"Сергеевич", "Сергеевна"}, {"Юрьевич", "Юрьевна"},
		{"Яковлевич", "Яковлевна"}}
	surnames = []string{"Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
		"Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов",
		"Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев",
		"Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов", "Дмитриев", "Королёв", "Гусев", "Киселёв",
		"Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев", "Антонов", "Тарасов",
		"Жуков", "Баранов", "Филиппов", "Комаров", "Давыдов", "Беляев", "Герасимов", "Богданов", "Осипов", "Сидоров",
		"Матвеев", "Титов", "Марков", "Миронов", "Крылов", "Куликов", "Карпов", "Власов", "Мельников", "Денисов",
		"Гаврилов", "Тихонов", "Калинин", "Щербаков", "Кудрявцев", "Покровский", "Вишневский", "Соболевский",
		"Шевченко", "Ткаченко", "Бондаренко", "Коваленко"}
	tatarMaleNames   = []string{"Айдар", "Альберт", "Булат", "Ильдар", "Ильнур", "Марат", "Наиль", "Ренат", "Рустам", "Тимур"}
	tatarFemaleNames = []string{"Айгуль", "Алсу", "Гульнара", "Диляра", "Лейсан", "Резеда", "Эльвира", "Альфия", "Ляйсан"}
	tatarPatronymics = [][2]string{{"Ринатович", "Ринатовна"}, {"Рашидович", "Рашидовна"}, {"Фаридович", "Фаридовна"},
		{"Маратович", "Маратовна"}, {"Ильдарович", "Ильдаровна"}, {"Рустемович", "Рустемовна"}, {"Айратович", "Айратовна"},
		{"Наилевич", "Наилевна"}}
	tatarSurnames = []string{"Хабибуллин", "Галиев", "Сафин", "Гарипов", "Нуриев", "Валиев", "Закиров", "Шарипов",
		"Ахметов", "Мухаметшин", "Гайнутдинов", "Зарипов", "Файзуллин", "Хайруллин"}
)

// feminine returns the feminine form of a masculine surname.
func feminine(surname string) string {
	switch {
	case strings.HasSuffix(surname, "ский"), strings.HasSuffix(surname, "цкий"):
		return strings.TrimSuffix(surname, "ий") + "ая"
	case strings.HasSuffix(surname, "ов"), strings.HasSuffix(surname, "ев"), strings.HasSuffix(surname, "ёв"),
		strings.HasSuffix(surname, "ин"), strings.HasSuffix(surname, "ын"):
		return surname + "а"
	}
	return surname // Шевченко, Бондаренко: the same for both
}

var translit = map[rune]string{'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z",
	'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u",
	'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu",
	'я': "ya", '-': "-"}

// latin transliterates a Russian word for an e-mail address.
func latin(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		b.WriteString(translit[r])
	}
	return b.String()
}

// Words for readable passwords.
var passwordWords = []string{"bereza", "sosna", "kedr", "taiga", "veter", "sever", "oblako", "reka", "ozero", "tundra",
	"pole", "gora", "zarya", "luna", "zvezda", "more", "volna", "sneg", "iney", "rosa", "klen", "yasen", "buran", "parus"}
