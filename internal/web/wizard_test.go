package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/model"
)

// TestAppProgress covers every state with the request and the verification that matter in it. want has one
// letter per step: D done, C current, - still to do.
func TestAppProgress(t *testing.T) {
	for _, c := range []struct {
		st            model.State
		csr, verified bool
		want          string
		current       int
		stopped       bool
	}{
		{"", false, false, "C-----", 1, false}, // the wizard, before the application exists
		{model.StateDraft, false, false, "DC----", 2, false},
		{model.StateDraft, true, false, "DC-D--", 2, false},
		{model.StateDocuments, false, false, "DC----", 2, false},
		{model.StateDocuments, true, false, "DC-D--", 2, false},
		{model.StateCorrection, false, false, "DC----", 2, false},
		{model.StateCorrection, true, false, "DC-D--", 2, false},
		{model.StateIdentityVerification, false, false, "DDC---", 3, false},
		{model.StateIdentityVerification, true, false, "DDCD--", 3, false},
		{model.StateIdentityVerification, false, true, "DDDC--", 4, false},
		{model.StateIdentityVerification, true, true, "DDDDC-", 5, false},
		{model.StateApproved, true, true, "DDDDDC", 6, false},
		{model.StateIssued, true, true, "DDDDDD", 0, false},
		{model.StateDeclined, false, false, "D-----", 0, true},
		{model.StateDeclined, true, false, "D--D--", 0, true},
		{model.StateDeclined, false, true, "DDD---", 0, true},
		{model.StateDeclined, true, true, "DDDD--", 0, true},
		{model.StateCancelled, false, false, "D-----", 0, true},
		{model.StateCancelled, true, false, "D--D--", 0, true},
		{model.StateCancelled, true, true, "DDDD--", 0, true},
	} {
		pr := appProgress(ru, c.st, c.csr, c.verified)
		var got strings.Builder
		for _, s := range pr.Steps {
			got.WriteByte(map[string]byte{stepDone: 'D', stepCurrent: 'C', stepTodo: '-'}[s.Status])
		}
		if got.String() != c.want || pr.Current != c.current || pr.Stopped != c.stopped {
			t.Errorf("%q csr=%v verified=%v: %s current %d stopped %v, want %s current %d stopped %v", c.st, c.csr,
				c.verified, got.String(), pr.Current, pr.Stopped, c.want, c.current, c.stopped)
		}
	}
	names := []string{}
	for _, s := range appProgress(ru, model.StateDraft, false, false).Steps {
		names = append(names, s.Name)
	}
	if want := []string{"Сотрудник", "Документы", "Проверка личности", "Запрос на сертификат", "Одобрение", "Выпуск"}; !slices.Equal(names, want) {
		t.Errorf("step names %v, want %v", names, want)
	}
}

// TestNextStep: the hint says what the viewer does when they may do it and who does it otherwise.
func TestNextStep(t *testing.T) {
	registrar := []string{"verify-identity", "request-correction", "approve", "decline", "issue", "submit", "csr"}
	orgAdmin := []string{"submit", "cancel", "decline", "csr"}
	for _, c := range []struct {
		st            model.State
		csr, verified bool
		can           []string
		want          string
	}{
		{model.StateDraft, false, false, orgAdmin, "Следующий шаг: сверьте данные и документ сотрудника и передайте заявку дальше (кнопка «Передать дальше»). Запрос на сертификат можно загрузить уже сейчас."},
		{model.StateDraft, true, false, nil, "Следующий шаг: администратор организации или сотрудник должен сверить данные и передать заявку дальше."},
		{model.StateDocuments, true, false, orgAdmin, "Следующий шаг: отправьте документы на проверку личности (кнопка «Передать дальше»)."},
		{model.StateCorrection, false, false, nil, "Следующий шаг: администратор организации или сотрудник должен исправить данные по замечанию и снова отправить документы."},
		{model.StateIdentityVerification, false, false, registrar, "Следующий шаг: проверьте личность заявителя: отметьте пункты чек-листа и подтвердите личность. Запрос на сертификат можно загрузить уже сейчас."},
		{model.StateIdentityVerification, false, false, orgAdmin, "Следующий шаг: регистратор должен проверить личность заявителя. Запрос на сертификат можно загрузить уже сейчас."},
		{model.StateIdentityVerification, true, false, orgAdmin, "Следующий шаг: регистратор должен проверить личность заявителя."},
		{model.StateIdentityVerification, false, true, orgAdmin, "Следующий шаг: загрузите запрос на сертификат."},
		{model.StateIdentityVerification, false, true, nil, "Следующий шаг: администратор организации или сотрудник должен загрузить запрос на сертификат."},
		{model.StateIdentityVerification, true, true, registrar, "Следующий шаг: одобрите заявку."},
		{model.StateIdentityVerification, true, true, orgAdmin, "Следующий шаг: регистратор должен одобрить заявку."},
		{model.StateApproved, true, true, registrar, "Следующий шаг: выпустите сертификат."},
		{model.StateApproved, true, true, nil, "Следующий шаг: регистратор должен выпустить сертификат."},
		{model.StateIssued, true, true, registrar, "Путь пройден: сертификат выпущен."},
		{model.StateDeclined, false, false, registrar, "Заявка отклонена: путь остановлен."},
		{model.StateCancelled, true, false, orgAdmin, "Заявка отменена: путь остановлен."},
	} {
		got := nextStep(ru, c.st, appProgress(ru, c.st, c.csr, c.verified), func(a string) bool { return slices.Contains(c.can, a) })
		if got != c.want {
			t.Errorf("%s csr=%v verified=%v can=%v:\n got %s\nwant %s", c.st, c.csr, c.verified, c.can, got, c.want)
		}
	}
}

// TestChecklistNote: the in-person methods need the document, photo, data and СНИЛС points; the remote one
// the signature and СНИЛС; the note names only the points that apply.
func TestChecklistNote(t *testing.T) {
	all := []string{"presented", "photo", "data", "signature", "snils"}
	for _, c := range []struct {
		m      model.VerificationMethod
		ticked []string
		ok     bool
		in     []string
		out    []string
	}{
		{model.VerifiedInPersonWorkplace, inPersonChecks, true, []string{"документ предъявлен лично", "СНИЛС совпадает"}, []string{"подписано"}},
		{model.VerifiedServiceCenter, all, true, []string{"фотография соответствует заявителю"}, []string{"подписано"}},
		{model.VerifiedInPersonWorkplace, []string{"presented", "photo", "data"}, false, nil, nil},
		{model.VerifiedServiceCenter, []string{"signature", "snils"}, false, nil, nil},
		{model.VerifiedRemoteQualified, []string{"signature", "snils"}, true, []string{"подписано действующим", "СНИЛС совпадает"}, []string{"фотография"}},
		{model.VerifiedRemoteQualified, all, true, []string{"подписано действующим"}, []string{"документ предъявлен", "фотография"}},
		{model.VerifiedRemoteQualified, []string{"presented", "photo", "data", "snils"}, false, nil, nil},
		{"", nil, false, nil, nil},
		{"by_phone", inPersonChecks, true, []string{"документ предъявлен лично"}, nil}, // the service refuses the method
	} {
		note, ok := checklistNote(c.m, c.ticked)
		if ok != c.ok {
			t.Errorf("%s %v: ok %v", c.m, c.ticked, ok)
			continue
		}
		if !ok {
			continue
		}
		if !strings.HasPrefix(note, "Чек-лист регистратора: ") {
			t.Errorf("%s: note %q", c.m, note)
		}
		contains(t, string(c.m), note, c.in...)
		lacks(t, string(c.m), note, c.out...)
	}
}

// TestApplicationCardProgress: the card shows the path and the next step for its viewer; the documents step
// shows the employee's document to those who may read personal data, with the edit link to those who may
// edit; a declined application's path is stopped.
func TestApplicationCardProgress(t *testing.T) {
	e := newEnv(t)
	rg := e.browser()
	rg.login("registrar")
	card := "/ui/applications/" + e.appA
	r := rg.get(card)
	wantStatus(t, "registrar card", r, 200)
	contains(t, "registrar card", r.body, `<ol class="steps" id="progress"`,
		`<li class="done"><span class="n">2</span> Документы<span class="sr"> (выполнено)</span></li>`,
		`<li class="current" aria-current="step"><span class="n">3</span> Проверка личности</li>`,
		`<li class="todo"><span class="n">4</span> Запрос на сертификат</li>`,
		"Следующий шаг: проверьте личность заявителя: отметьте пункты чек-листа и подтвердите личность.",
		`id="checklist"`, `name="check" value="presented"`, "Фотография в документе соответствует заявителю")
	lacks(t, "registrar card", r.body, `id="documents"`) // the documents were submitted
	if n := strings.Count(r.body, `aria-current="step"`); n != 1 {
		t.Errorf("current steps: %d", n)
	}
	oa := e.browser()
	oa.login("org_admin")
	r = oa.get(card)
	contains(t, "org admin card", r.body, "Следующий шаг: регистратор должен проверить личность заявителя.",
		"Запрос на сертификат можно загрузить уже сейчас.")
	lacks(t, "org admin card", r.body, `id="checklist"`)

	// A new draft: the documents step is current and shows the employee's document.
	r = oa.do("POST", "/ui/applications/new", url.Values{"employee": {e.empA}, "kind": {"individual"}})
	wantStatus(t, "create", r, http.StatusSeeOther)
	draft := strings.SplitN(r.location, "?", 2)[0]
	r = oa.get(draft)
	contains(t, "draft", r.body, `aria-current="step"><span class="n">2</span> Документы`, `id="documents"`,
		"Паспорт гражданина РФ", "4510", passA, "ОВД района Арбат г. Москвы", `href="/ui/employees/`+e.empA+`/edit"`,
		"Следующий шаг: сверьте данные и документ сотрудника")
	mgr := e.browser()
	mgr.login("manager")
	r = mgr.get(draft)
	wantStatus(t, "manager draft", r, 200)
	contains(t, "manager draft", r.body, `aria-current="step"><span class="n">2</span> Документы`,
		"администратор организации или сотрудник должен сверить данные")
	lacks(t, "manager draft", r.body, `id="documents"`, passA, "4510", "ОВД района Арбат")
	emp := e.browser()
	emp.login("employee")
	r = emp.get(draft)
	contains(t, "employee draft", r.body, `id="documents"`, passA)
	lacks(t, "employee draft", r.body, `/edit"`)

	r = rg.do("POST", card+"/act/decline", url.Values{"note": {"документ недействителен"}, "confirm": {"yes"}})
	wantStatus(t, "decline", r, http.StatusSeeOther)
	r = rg.get(card)
	contains(t, "declined", r.body, `<ol class="steps stopped" id="progress"`, "Заявка отклонена: путь остановлен.")
	lacks(t, "declined", r.body, `aria-current="step"`, "Следующий шаг")
}

// TestIdentityChecklist: an identity check with an applicable point unticked is refused at the checklist,
// keeps what was entered and records nothing; a complete one records the points in the history.
func TestIdentityChecklist(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	op := &access.Principal{Actor: "system:test", Role: model.RoleOperator}
	before, err := e.reg.Application(ctx, op, e.appA)
	must(t, err)
	rg := e.browser()
	rg.login("registrar")
	card := "/ui/applications/" + e.appA
	for _, form := range []url.Values{
		{"method": {"in_person_workplace"}, "document": {"паспорт 4510 123456"}, "check": {"presented", "photo"}},
		{"method": {"in_person_service_center"}, "service_center_id": {e.center}, "document": {"паспорт 4510 123456"},
			"check": {"signature", "snils", "photo"}},
		{"method": {"remote_qualified_signature"}, "document": {"паспорт 4510 123456"}, "check": {"presented", "photo", "data", "snils"}},
		{"method": {"in_person_workplace"}, "document": {"паспорт 4510 123456"}},
	} {
		r := rg.do("POST", card+"/act/verify-identity", form)
		what := form.Get("method") + " " + strings.Join(form["check"], ",")
		wantStatus(t, what, r, http.StatusUnprocessableEntity)
		contains(t, what, r.body, `id="checklist-error" data-field="check">Отметьте все пункты чек-листа для выбранного способа проверки.`,
			`aria-describedby="checklist-error"`, `<option value="`+form.Get("method")+`" selected>`, `value="паспорт 4510 123456"`)
		for _, c := range identityChecklist {
			ticked := `name="check" value="` + c.Key + `" checked>`
			if slices.Contains(form["check"], c.Key) {
				contains(t, what, r.body, ticked)
			} else {
				lacks(t, what, r.body, ticked)
			}
		}
		if c := form.Get("service_center_id"); c != "" {
			contains(t, what, r.body, `<option value="`+c+`" selected>`)
		}
	}
	after, err := e.reg.Application(ctx, op, e.appA)
	must(t, err)
	if after.Verification != nil || after.State != before.State || len(after.History) != len(before.History) {
		t.Fatalf("a refused checklist changed the application: %+v, %d history steps (was %d)", after.Verification,
			len(after.History), len(before.History))
	}
	// The remote method asks for its own points only.
	r := rg.do("POST", card+"/act/verify-identity", url.Values{"method": {"remote_qualified_signature"}, "check": {"signature", "snils"}})
	wantStatus(t, "remote", r, http.StatusSeeOther)
	contains(t, "remote", rg.get(card).body,
		"<td>Чек-лист регистратора: подписано действующим квалифицированным сертификатом заявителя; СНИЛС совпадает.</td>")
	// Without the right to verify, the refusal is the role's, not the checklist's.
	mgr := e.browser()
	mgr.login("manager")
	wantStatus(t, "manager verify", mgr.do("POST", card+"/act/verify-identity", url.Values{"method": {"in_person_workplace"}}),
		http.StatusForbidden)

	r = rg.do("POST", card+"/act/verify-identity", url.Values{"method": {"in_person_workplace"},
		"check": {"presented", "photo", "data", "snils", "signature"}})
	wantStatus(t, "complete checklist", r, http.StatusSeeOther)
	r = rg.get(r.location)
	contains(t, "verified", r.body, "личность подтверждена.",
		"<td>Чек-лист регистратора: документ предъявлен лично, признаков подделки нет; фотография соответствует заявителю; ФИО, дата рождения и реквизиты документа совпадают; СНИЛС совпадает.</td>",
		`aria-current="step"><span class="n">4</span> Запрос на сертификат`, "Следующий шаг: загрузите запрос на сертификат.")
	done, err := e.reg.Application(ctx, op, e.appA)
	must(t, err)
	if done.Verification == nil || done.Verification.Method != model.VerifiedInPersonWorkplace {
		t.Errorf("verification: %+v", done.Verification)
	}
}

// TestHistoryActorNames: the history names users and API keys of the application's account and the system;
// a user of another account stays an id, and their name never shows.
func TestHistoryActorNames(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	op := &access.Principal{Actor: "system:test", Role: model.RoleOperator}
	adminUser, err := e.db.UserByLogin(ctx, "account_admin")
	must(t, err)
	admin := access.PrincipalOfUser(adminUser)
	key, _, err := e.h.Access.CreateAPIKey(ctx, admin, access.APIKeyInput{Name: "Кадровая система", AllOrganizations: true})
	must(t, err)
	other, err := e.h.Access.CreateAccount(ctx, op, access.AccountInput{Name: "Чужой холдинг"})
	must(t, err)
	stranger, err := e.h.Access.CreateUser(ctx, op, access.UserInput{AccountID: other.ID, Login: "stranger",
		FullName: "Чужаков Иван", Role: model.RoleAccountAdmin, Password: testPassword})
	must(t, err)
	for _, actor := range []string{"api_key:" + key.ID, "api_key:" + key.ID, "user:" + stranger.ID, "system:carry-over"} {
		must(t, e.db.AddTransition(ctx, e.appA, model.Transition{Action: "carry-over", From: model.StateIdentityVerification,
			To: model.StateIdentityVerification, Actor: actor, At: e.clk.Now()}))
	}
	oa := e.browser()
	oa.login("org_admin")
	r := oa.get("/ui/applications/" + e.appA)
	wantStatus(t, "card", r, 200)
	contains(t, "history", r.body, "<td>Пользователь account_admin</td>", "<td>Кадровая система</td>", "<td>система</td>",
		"<td>user:"+stranger.ID+"</td>")
	lacks(t, "history", r.body, "Чужаков", "stranger", "api_key:"+key.ID, "user:"+adminUser.ID, "system:carry-over")

	// The registrar's own steps stay "login (вы)"; others see the registrar's full name.
	rg := e.browser()
	rg.login("registrar")
	r = rg.do("POST", "/ui/applications/"+e.appA+"/act/verify-identity", url.Values{"method": {"in_person_workplace"},
		"check": inPersonChecks})
	wantStatus(t, "verify", r, http.StatusSeeOther)
	contains(t, "registrar", rg.get("/ui/applications/"+e.appA).body, "registrar (вы)")
	contains(t, "org admin", oa.get("/ui/applications/"+e.appA).body, "<dd>Пользователь registrar</dd>", "<td>Пользователь registrar</td>")
}

// TestNewEmployeeFromWizard: the wizard links to the employee form with a fixed marker; with it a created
// employee leads back to the wizard's kind choice, with anything else to the employee card.
func TestNewEmployeeFromWizard(t *testing.T) {
	e := newEnv(t)
	oa := e.browser()
	oa.login("org_admin")
	r := oa.get("/ui/applications/new")
	wantStatus(t, "wizard", r, 200)
	contains(t, "wizard", r.body, `href="/ui/employees/new?then=application"`, "Новый сотрудник",
		`<li class="current" aria-current="step"><span class="n">1</span> Сотрудник</li>`,
		"Следующий шаг: найдите сотрудника или добавьте нового.")
	r = oa.get("/ui/employees/new?then=application")
	wantStatus(t, "form", r, 200)
	contains(t, "form", r.body, `<input type="hidden" name="then" value="application">`, `<a href="/ui/applications/new">`)
	// The language switch links back to the page's own address, query included; nothing else may carry it.
	lacks(t, "form elsewhere", withoutLangSwitch(oa.get("/ui/employees/new?then=https://evil.example/").body), `name="then"`,
		"evil.example")

	bad := employeeForm(e.orgA, "Петров", "12345678900")
	bad.Set("then", wizardMarker)
	r = oa.do("POST", "/ui/employees/new", bad)
	wantStatus(t, "bad snils", r, http.StatusUnprocessableEntity)
	contains(t, "bad snils", r.body, `<input type="hidden" name="then" value="application">`)

	f := employeeForm(e.orgA, "Петров", "12345678964")
	f.Set("then", wizardMarker)
	f.Set("nonce", "from-wizard")
	r = oa.do("POST", "/ui/employees/new", f)
	wantStatus(t, "create", r, http.StatusSeeOther)
	id, ok := strings.CutPrefix(r.location, "/ui/applications/new?employee=")
	if !ok || id == "" || strings.ContainsAny(id, "/?&") {
		t.Fatalf("create from the wizard went to %q", r.location)
	}
	if again := oa.do("POST", "/ui/employees/new", f); again.location != r.location {
		t.Errorf("double submit went to %q", again.location)
	}
	r = oa.get(r.location)
	wantStatus(t, "step 2", r, 200)
	contains(t, "step 2", r.body, "шаг 2 из 2", "Петров Пётр Сергеевич", `id="wizard-create"`, `name="employee" value="`+id+`"`)

	// Valid СНИЛС numbers, one per new employee.
	snils := map[string]string{"https://evil.example/": "20030040048", "//evil.example": "20030040149",
		"/ui/admin/users": "20030040250", "Application": "20030040351"}
	for then, number := range snils {
		f := employeeForm(e.orgA, "Сергеев", number)
		f.Set("then", then)
		f.Set("nonce", "n-"+then)
		r := oa.do("POST", "/ui/employees/new", f)
		wantStatus(t, then, r, http.StatusSeeOther)
		if !strings.HasPrefix(r.location, "/ui/employees/") || !strings.HasSuffix(r.location, "?done=created") {
			t.Errorf("then=%q went to %q", then, r.location)
		}
	}

}
