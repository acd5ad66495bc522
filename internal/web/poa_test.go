package web

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/testdb"
)

// poaRussian fails on what the power-of-attorney pages must not show: ISO dates, UUIDs other than the
// registry number (НомДовер is a GUID people quote), and internal codes.
func poaRussian(t *testing.T, what, body string, numbers ...string) {
	t.Helper()
	// A checkbox's value is not shown: the list and the wizard select by id.
	text := visibleText(regexp.MustCompile(`<input type="checkbox"[^>]*>`).ReplaceAllString(body, " "))
	for _, n := range numbers {
		text = strings.ReplaceAll(text, n, "")
	}
	if m := isoDateRE.FindString(text); m != "" {
		t.Errorf("%s: ISO date %s in %q", what, m, around(text, m))
	}
	if m := uuidTextRE.FindString(text); m != "" {
		t.Errorf("%s: UUID %s in %q", what, m, around(text, m))
	}
	for _, c := range append(internalCodes, "awaiting_signature", "PROCESSING", "ACTIVE", "registered", "poa.") {
		if strings.Contains(text, c) {
			t.Errorf("%s: internal code %q in %q", what, c, around(text, c))
		}
	}
}

// uploadFiles posts several files under one field, as a browser's multiple file input does.
func (b *browser) uploadFiles(path, field string, files map[string][]byte) reply {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for name, content := range files {
		fw, err := mw.CreateFormFile(field, name)
		must(b.t, err)
		_, _ = fw.Write(content)
	}
	must(b.t, mw.Close())
	req, err := http.NewRequest("POST", b.base+path, &buf)
	must(b.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.base)
	resp, err := b.c.Do(req)
	must(b.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	must(b.t, err)
	return reply{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(raw), header: resp.Header}
}

var poaLinkRE = regexp.MustCompile(`/ui/powers-of-attorney/([0-9a-f-]{36})"`)

// TestPoAFlow walks a power of attorney through the pages on both engines: drafted in the wizard,
// a signature by someone who is not the head refused naming the check, the head's accepted, submitted,
// registered once the registry answers, revoked after a confirmation; the card tells its history in words,
// its files download, and nothing on the way shows an ISO date or an internal code.
func TestPoAFlow(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			pe := newEnvOn(t, eng.Open(t)).withPoA(t, false)
			b := pe.browser()
			b.login("account_admin")
			list := b.get("/ui/powers-of-attorney")
			wantStatus(t, "empty list", list, 200)
			contains(t, "empty list", list.body, "Доверенностей не найдено.", `href="/ui/powers-of-attorney"`, "Оформить доверенности")

			wiz := b.get("/ui/powers-of-attorney/new?organization_id=" + pe.orgA)
			wantStatus(t, "wizard", wiz, 200)
			contains(t, "wizard", wiz.body, "Доверенность подпишет руководитель: Петров Пётр Петрович, Генеральный директор.",
				empAName, "26.11.2026", mchd.Powers()[0].Name)
			poaRussian(t, "wizard", wiz.body)
			nonce := regexp.MustCompile(`name="nonce" value="([^"]+)"`).FindStringSubmatch(wiz.body)[1]
			form := url.Values{"nonce": {nonce}, "organization_id": {pe.orgA}, "employee_ids": {pe.empA},
				"powers": {mchd.Powers()[0].Code}, "issue_date": {"26.11.2026"}, "end_date": {"25.11.2027"}, "retrust": {"1"}}
			res := b.do("POST", "/ui/powers-of-attorney/new", form)
			wantStatus(t, "draft", res, 200)
			contains(t, "draft", res.body, "Оформлено доверенностей: 1.", empAName+" Иван Петрович", "Ждёт подписи руководителя", "25.11.2027")
			poaRussian(t, "draft result", res.body)
			id := poaLinkRE.FindStringSubmatch(res.body)[1]
			// Sent again (a reload): the same result, nothing drafted twice.
			again := b.do("POST", "/ui/powers-of-attorney/new", form)
			contains(t, "draft again", again.body, id)
			if n := strings.Count(b.get("/ui/powers-of-attorney").body, `name="ids"`); n != 1 {
				t.Fatalf("%d powers of attorney listed after a draft sent twice, want 1", n)
			}

			card := "/ui/powers-of-attorney/" + id
			c := b.get(card)
			wantStatus(t, "card", c, 200)
			rec, err := pe.db.PowerOfAttorney(context.Background(), pe.admin(t).Scope(), id)
			must(t, err)
			contains(t, "card", c.body, "Ждёт подписи руководителя", rec.Number, "не подавалась", "Петров Пётр Петрович",
				"Загрузить подпись", "Оформлена: Ждёт подписи руководителя", "account_admin (вы)")
			lacks(t, "card without demo", c.body, "Подписать как руководитель (демо)", "Отправить в реестр")
			poaRussian(t, "card", c.body, rec.Number)

			file := b.get(card + "/file.xml")
			wantStatus(t, "file", file, 200)
			if file.body != string(rec.XML) || file.header.Get("Content-Type") != "application/xml" {
				t.Errorf("the file download is not the exact file: %q", file.header.Get("Content-Type"))
			}
			if pdf := b.get(card + "/form.pdf"); pdf.status != 200 || !strings.HasPrefix(pdf.body, "%PDF") {
				t.Errorf("printed form: %d %.20q", pdf.status, pdf.body)
			}
			wantStatus(t, "no signature yet", b.get(card+"/file.sig"), 404)

			p := poaPKI(t)
			for _, c := range []struct {
				name string
				sig  []byte
				want string
			}{
				{"not the head", p.sign(t, rec.XML, p.notHead), "Подписант не руководитель организации"},
				{"other bytes", p.sign(t, []byte("другой файл"), p.head), "Подпись сделана под другим файлом"},
				{"not a signature", []byte("это не подпись"), "Файл не является подписью CMS"},
			} {
				r := b.upload(card+"/signature", "signature", "mchd.sig", c.sig)
				wantStatus(t, c.name, r, 422)
				contains(t, c.name, r.body, "Подпись не принята: "+c.want, "Ждёт подписи руководителя")
			}
			r := b.upload(card+"/signature", "signature", "", nil)
			wantStatus(t, "no file", r, 422)
			contains(t, "no file", r.body, "Выберите файл подписи.")

			r = b.upload(card+"/signature", "signature", "mchd.sig", p.sign(t, rec.XML, p.head))
			wantStatus(t, "head's signature", r, 303)
			c = b.get(r.location)
			contains(t, "signed", c.body, "Подпись руководителя проверена и принята.", "Ждёт подписи руководителя → Подписана",
				"Отправить в реестр", "Подпись руководителя (SIG)")
			if sig := b.get(card + "/file.sig"); sig.status != 200 || sig.header.Get("Content-Type") != "application/pkcs7-signature" {
				t.Errorf("signature download: %d", sig.status)
			}

			r = b.do("POST", card+"/register", url.Values{})
			wantStatus(t, "register", r, 303)
			c = b.get(r.location)
			contains(t, "submitted", c.body, "Доверенность отправлена в реестр.", "на регистрации", "Отправлена в реестр")
			lacks(t, "being registered", c.body, `id="form-revoke"`)
			pe.reg.activate()
			if _, err := pe.poa.Poll(context.Background()); err != nil {
				t.Fatal(err)
			}
			c = b.get(card)
			contains(t, "registered", c.body, "Зарегистрирована", "действует", "Подписана → Зарегистрирована", "система")
			poaRussian(t, "registered card", c.body, rec.Number)

			r = b.do("POST", card+"/revoke", url.Values{"reason": {" "}})
			wantStatus(t, "revoke without a reason", r, 422)
			contains(t, "revoke without a reason", r.body, "Укажите причину отзыва.", "Зарегистрирована")
			r = b.do("POST", card+"/revoke", url.Values{"reason": {"увольнение"}})
			wantStatus(t, "revoke asks first", r, 200)
			contains(t, "revoke asks first", r.body, "Отзыв нельзя отменить.", "увольнение", `name="confirm" value="yes"`)
			contains(t, "not yet revoked", b.get(card).body, "Зарегистрирована")
			r = b.do("POST", card+"/revoke", url.Values{"reason": {"увольнение"}, "confirm": {"yes"}})
			wantStatus(t, "revoke", r, 303)
			c = b.get(r.location)
			contains(t, "revoked", c.body, "Доверенность отозвана.", "Зарегистрирована → Отозвана", "увольнение")
			lacks(t, "revoked", c.body, `id="form-revoke"`)

			list = b.get("/ui/powers-of-attorney?state=revoked")
			contains(t, "list", list.body, empAName, "Отозвана", "25.11.2027", orgAName)
			poaRussian(t, "list", list.body)
		})
	}
}

// TestPoARefusals: each handler refuses roles without the right and bad input, in Russian, changing nothing.
func TestPoARefusals(t *testing.T) {
	pe := newEnv(t).withPoA(t, false)
	rec := pe.draft(t)
	card := "/ui/powers-of-attorney/" + rec.ID
	pe.operator()
	for _, c := range []struct {
		name, login, method, path string
		form                      url.Values
		status                    int
		want                      string
	}{
		{"accountant list", "accountant", "GET", "/ui/powers-of-attorney", nil, 403, "У вашей роли нет доступа"},
		{"accountant card", "accountant", "GET", card, nil, 403, "У вашей роли нет доступа"},
		{"accountant file", "accountant", "GET", card + "/file.xml", nil, 403, "У вашей роли нет доступа"},
		{"manager wizard", "manager", "GET", "/ui/powers-of-attorney/new", nil, 403, "У вашей роли нет доступа"},
		{"other organization's card", "org_admin_b", "GET", card, nil, 404, "Такой страницы или объекта нет."},
		{"other organization's revoke", "org_admin_b", "POST", card + "/revoke", url.Values{"reason": {"x"}, "confirm": {"yes"}}, 404, "Такой страницы или объекта нет."},
		{"employee reads own", "employee", "GET", card, nil, 200, "Ждёт подписи руководителя"},
		{"employee wizard", "employee", "GET", "/ui/powers-of-attorney/new", nil, 403, "У вашей роли нет доступа"},
		{"employee revokes", "employee", "POST", card + "/revoke", url.Values{"reason": {"x"}}, 403, "У вашей роли нет доступа"},
		{"employee drafts", "employee", "POST", "/ui/powers-of-attorney/new", url.Values{"organization_id": {pe.orgA}}, 403, "У вашей роли нет доступа"},
		{"employee registers", "employee", "POST", card + "/register", url.Values{}, 403, "У вашей роли нет доступа"},
		{"operator drafts", "operator", "GET", "/ui/powers-of-attorney/new", nil, 403, "У вашей роли нет доступа"},
		{"operator reads the card", "operator", "GET", card, nil, 200, "Ждёт подписи руководителя"},
		{"operator file", "operator", "GET", card + "/file.xml", nil, 403, "У вашей роли нет доступа"},
		{"operator printed form", "operator", "GET", card + "/form.pdf", nil, 403, "У вашей роли нет доступа"},
		{"demo without demo", "account_admin", "POST", card + "/demo-sign", url.Values{}, 404, "Такой страницы или объекта нет."},
		{"register unsigned", "account_admin", "POST", card + "/register", url.Values{}, 409, "Действие недоступно в текущем состоянии доверенности."},
		{"bad state filter", "account_admin", "GET", "/ui/powers-of-attorney?state=bogus", nil, 422, "Выберите значение из списка."},
		{"bad number filter", "account_admin", "GET", "/ui/powers-of-attorney?number=12", nil, 422, "Неверный формат."},
		{"bad ending filter", "account_admin", "GET", "/ui/powers-of-attorney?ending=7", nil, 422, "Выберите значение из списка."},
		{"no employees", "account_admin", "POST", "/ui/powers-of-attorney/new", url.Values{"organization_id": {pe.orgA},
			"powers": {mchd.Powers()[0].Code}, "end_date": {"25.11.2027"}}, 422, "Выберите сотрудников или отметьте «Все сотрудники организации»."},
		{"end before issue", "account_admin", "POST", "/ui/powers-of-attorney/new", url.Values{"organization_id": {pe.orgA},
			"employee_ids": {pe.empA}, "powers": {mchd.Powers()[0].Code}, "issue_date": {"26.11.2026"}, "end_date": {"01.11.2026"}}, 422,
			"Дата окончания должна быть позже даты выдачи."},
		{"bad end date", "account_admin", "POST", "/ui/powers-of-attorney/new", url.Values{"organization_id": {pe.orgA},
			"employee_ids": {pe.empA}, "powers": {mchd.Powers()[0].Code}, "end_date": {"31.02.2027"}}, 422, "Дата в формате ДД.ММ.ГГГГ."},
		{"no powers", "account_admin", "POST", "/ui/powers-of-attorney/new", url.Values{"organization_id": {pe.orgA},
			"employee_ids": {pe.empA}, "end_date": {"25.11.2027"}}, 422, "Отметьте хотя бы одно полномочие или опишите полномочия текстом."},
		{"unknown power", "account_admin", "POST", "/ui/powers-of-attorney/new", url.Values{"organization_id": {pe.orgA},
			"employee_ids": {pe.empA}, "powers": {"NO_SUCH_POWER"}, "end_date": {"25.11.2027"}}, 422, "Такого полномочия нет в классификаторе."},
		{"employee of another organization", "account_admin", "POST", "/ui/powers-of-attorney/new", url.Values{"organization_id": {pe.orgA},
			"employee_ids": {pe.empB}, "powers": {mchd.Powers()[0].Code}, "end_date": {"25.11.2027"}}, 422, "работает в другой организации"},
		{"organization without a head", "account_admin", "POST", "/ui/powers-of-attorney/new", url.Values{"organization_id": {pe.orgB},
			"employee_ids": {pe.empB}, "powers": {mchd.Powers()[0].Code}, "end_date": {"25.11.2027"}}, 422, "У организации не записан руководитель"},
		{"wizard warns of no head", "account_admin", "GET", "/ui/powers-of-attorney/new?organization_id=" + pe.orgB, nil, 200,
			`У организации не записан руководитель. Без него доверенность подписать некому. <a href="/ui/organizations/` + pe.orgB + `/head">Записать руководителя</a>`},
		{"batch without selection", "account_admin", "POST", "/ui/powers-of-attorney/batch", url.Values{"action": {"zip"}}, 422, "Отметьте хотя бы одну доверенность."},
		{"revoke organization without one", "account_admin", "POST", "/ui/powers-of-attorney/revoke-organization",
			url.Values{"organization_id": {""}, "reason": {"x"}}, 422, "Выберите организацию."},
		{"revoke organization without a reason", "account_admin", "POST", "/ui/powers-of-attorney/revoke-organization",
			url.Values{"organization_id": {pe.orgA}}, 422, "Укажите причину отзыва."},
		{"revoke organization out of scope", "org_admin_b", "POST", "/ui/powers-of-attorney/revoke-organization",
			url.Values{"organization_id": {pe.orgA}, "reason": {"x"}, "confirm": {"yes"}}, 404, "Такой страницы или объекта нет."},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := pe.browser()
			b.login(c.login)
			r := b.do(c.method, c.path, c.form)
			wantStatus(t, c.name, r, c.status)
			contains(t, c.name, r.body, c.want)
			poaRussian(t, c.name, r.body, rec.Number)
		})
	}
	op := pe.browser()
	op.login("operator")
	lacks(t, "the operator's card", op.get(card).body, "Петров", empAName, "file.xml", "form.pdf")
	got, err := pe.db.PowerOfAttorney(context.Background(), pe.admin(t).Scope(), rec.ID)
	must(t, err)
	if got.State != mchd.StateAwaitingSignature || got.Version != rec.Version {
		t.Errorf("a refusal changed the power of attorney: %s v%d", got.State, got.Version)
	}
	// The menu shows the list to those who may read it only.
	for login, want := range map[string]bool{"account_admin": true, "employee": true, "accountant": false, "manager": false} {
		b := pe.browser()
		b.login(login)
		if got := strings.Contains(b.get("/ui/").body, `href="/ui/powers-of-attorney"`); got != want {
			t.Errorf("%s: menu entry shown %v, want %v", login, got, want)
		}
	}
}

// TestPoABatch drafts for two employees at once and runs the list's batch actions: the files as a zip,
// demo signing, submission, a signature upload with a per-file report, and the revocation of all of the
// organization's after a confirmation.
func TestPoABatch(t *testing.T) {
	pe := newEnv(t).withPoA(t, true)
	ctx := context.Background()
	_, err := pe.h.Reg.CreateEmployee(ctx, pe.admin(t), employeeInput(pe.orgA, "Смирнова", "11223344797", "777777"))
	must(t, err)
	b := pe.browser()
	b.login("account_admin")
	wiz := b.get("/ui/powers-of-attorney/new?organization_id=" + pe.orgA + "&q=Смирнова")
	contains(t, "employee search", wiz.body, "Смирнова Иван Петрович")
	res := b.do("POST", "/ui/powers-of-attorney/new", url.Values{"organization_id": {pe.orgA}, "all": {"1"},
		"powers_text": {"Подписывать счета-фактуры"}, "end_date": {"25.11.2027"}, "internal_number": {"Д-7"}})
	wantStatus(t, "draft all", res, 200)
	contains(t, "draft all", res.body, "Оформлено доверенностей: 2.", empAName, "Смирнова", "Д-7-1", "Д-7-2")
	var ids []string
	for _, m := range poaLinkRE.FindAllStringSubmatch(res.body, -1) {
		ids = append(ids, m[1])
	}
	if len(ids) != 2 {
		t.Fatalf("ids %v", ids)
	}

	z := b.do("POST", "/ui/powers-of-attorney/batch", url.Values{"action": {"zip"}, "ids": ids})
	wantStatus(t, "zip", z, 200)
	zr, err := zip.NewReader(strings.NewReader(z.body), int64(len(z.body)))
	must(t, err)
	var files []string
	for _, f := range zr.File {
		files = append(files, f.Name)
	}
	if len(files) != 2 || !strings.HasPrefix(files[0], "ON_EMCHD_") {
		t.Errorf("zip files %v", files)
	}

	// One signed by the upload of a zip of signatures, with a stray file reported on its own.
	rec, err := pe.db.PowerOfAttorney(ctx, pe.admin(t).Scope(), ids[0])
	must(t, err)
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for name, data := range map[string][]byte{rec.FileName + ".sig": poaPKI(t).sign(t, rec.XML, poaPKI(t).head), "readme.txt": []byte("x")} {
		f, err := zw.Create(name)
		must(t, err)
		_, _ = f.Write(data)
	}
	must(t, zw.Close())
	up := b.uploadFiles("/ui/powers-of-attorney/signatures", "files", map[string][]byte{"signatures.zip": zbuf.Bytes()})
	wantStatus(t, "signatures", up, 200)
	contains(t, "signatures", up.body, "Выполнено: 1 из 2.", rec.FileName+".sig", "выполнено: Подписана",
		"Имя файла должно повторять имя файла доверенности")

	demo := b.do("POST", "/ui/powers-of-attorney/batch", url.Values{"action": {"demo"}, "ids": ids})
	wantStatus(t, "demo", demo, 200)
	contains(t, "demo", demo.body, "Выполнено: 1 из 2.", "Действие недоступно в текущем состоянии доверенности.", "Д-7-2 — Смирнова")

	reg := b.do("POST", "/ui/powers-of-attorney/batch", url.Values{"action": {"register"}, "ids": ids})
	wantStatus(t, "register", reg, 200)
	contains(t, "register", reg.body, "Выполнено: 2 из 2.", "выполнено: на регистрации")
	poaRussian(t, "register report", reg.body)
	pe.reg.activate()
	_, err = pe.poa.Poll(ctx)
	must(t, err)

	list := b.get("/ui/powers-of-attorney?ending=90&org=" + pe.orgA)
	lacks(t, "ending in 90 days", list.body, "Д-7-1")
	list = b.get("/ui/powers-of-attorney?employee=Смирнова")
	contains(t, "employee filter", list.body, "Д-7-2")
	lacks(t, "employee filter", list.body, "Д-7-1")

	ask := b.do("POST", "/ui/powers-of-attorney/revoke-organization", url.Values{"organization_id": {pe.orgA}, "reason": {"реорганизация"}})
	wantStatus(t, "revoke all asks", ask, 200)
	contains(t, "revoke all asks", ask.body, "Будут отозваны все", orgAName, "реорганизация", `name="confirm" value="yes"`)
	done := b.do("POST", "/ui/powers-of-attorney/revoke-organization", url.Values{"organization_id": {pe.orgA},
		"reason": {"реорганизация"}, "confirm": {"yes"}})
	wantStatus(t, "revoke all", done, 200)
	contains(t, "revoke all", done.body, "Выполнено: 2 из 2.", "выполнено: Отозвана")
	poaRussian(t, "revoke report", done.body)
}

// TestPoALabels: every value of the closed sets the pages word has a label in both catalogues, so that a
// value added in mchd fails here, not on screen as a code.
func TestPoALabels(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		prefix string
		values []string
	}{
		{"poa.st.", mchd.State("").EnumValues()}, {"poa.rs.", mchd.RegistryStatus("").EnumValues()},
		{"poa.sig.", mchd.SignatureCheck("").EnumValues()}, {"poa.reason.", mchd.Reason("").EnumValues()},
		{"poa.kind.", mchd.Kind("").EnumValues()}, {"poa.retrust.", mchd.Retrust("").EnumValues()},
	} {
		for _, v := range c.values {
			for _, cat := range []map[string]string{messages, messagesEN} {
				if _, ok := cat[c.prefix+v]; !ok {
					t.Errorf("no label %q%s in one of the catalogues", c.prefix, v)
				}
			}
		}
	}
}
