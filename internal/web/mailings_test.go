package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/mailing"
	"github.com/kcr-project/kcr/internal/notify"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/testdb"
)

// withMailings serves the env's interface again with notices and mailings wired in.
func (e *env) withMailings() {
	e.t.Helper()
	n := &notify.Service{DB: e.db, Clock: e.clk, Timeline: rules.DefaultTimeline(), BaseURL: "https://kcr.example.ru"}
	m := &mailing.Service{DB: e.db, Notify: n, Clock: e.clk, Timeline: rules.DefaultTimeline(), BaseURL: "https://kcr.example.ru"}
	n.Renderers = map[notify.Template]notify.Renderer{mailing.Template: m}
	h := &Handler{Access: e.h.Access, Reg: e.h.Reg, Billing: e.h.Billing, Log: e.h.Log, Notify: n, Mailings: m}
	mux := http.NewServeMux()
	h.Register(mux)
	e.h = h
	e.srv = httptest.NewServer(mux)
	e.t.Cleanup(e.srv.Close)
}

var bellCount = regexp.MustCompile(`id="bell-count">(\d+)<`)

func bell(t *testing.T, r reply) string {
	t.Helper()
	m := bellCount.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no bell on the page (%d):\n%.1500s", r.status, r.body)
	}
	return m[1]
}

// An account administrator drafts a mailing (unknown placeholder refused naming it), sees its reach,
// attaches a letter within the limits, confirms the send (a second send changes nothing), and sees the
// counts; the employee it reached has it under the bell, reads it, and the opened count follows.
func TestMailingPages(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, eng.Open(t))
			e.withMailings()
			adm := e.browser()
			adm.login("account_admin")

			r := adm.get("/ui/mailings")
			if r.status != http.StatusOK || !strings.Contains(r.body, "Новая рассылка") || !strings.Contains(r.body, `id="starter-law2024"`) ||
				bell(t, r) != "0" {
				t.Fatalf("mailings page: %d\n%.2000s", r.status, r.body)
			}
			if r = adm.get("/ui/mailings?template=law2024"); !strings.Contains(r.body, "С 1 сентября 2024 года") {
				t.Fatalf("the 2024 template does not fill the form:\n%.2000s", r.body)
			}
			r = adm.do("POST", "/ui/mailings", url.Values{"subject": {"Тема"}, "body": {"Срок: {{срок}}"}})
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Неизвестная подстановка: {{срок}}") {
				t.Fatalf("unknown placeholder: %d\n%.3000s", r.status, r.body)
			}
			r = adm.do("POST", "/ui/mailings", url.Values{"subject": {"Переход на МЧД"},
				"body": {"**{{фио}}**, сертификат до {{дата_окончания}}.\n\n<script>alert(1)</script>"}, "legacy": {"on"}})
			if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/ui/mailings/") {
				t.Fatalf("create: %d %q\n%.2000s", r.status, r.location, r.body)
			}
			card := r.location
			r = adm.get(card)
			if !strings.Contains(r.body, `id="reach-people">1<`) || !strings.Contains(r.body, orgAName) ||
				!strings.Contains(r.body, "<strong>{{фио}}</strong>") || strings.Contains(r.body, "<script>alert") {
				t.Fatalf("card:\n%.4000s", r.body)
			}
			if r = adm.upload(card+"/attachments", "file", "setup.exe", []byte("MZ")); r.status != http.StatusUnprocessableEntity ||
				!strings.Contains(r.body, "Такой тип файла не принимается") {
				t.Fatalf("an executable: %d\n%.2000s", r.status, r.body)
			}
			if r = adm.upload(card+"/attachments", "file", "Письмо.pdf", []byte("%PDF-1.7 letter")); r.status != http.StatusSeeOther {
				t.Fatalf("a PDF letter: %d\n%.2000s", r.status, r.body)
			}
			r = adm.do("POST", card+"/send", url.Values{})
			if r.status != http.StatusOK || !strings.Contains(r.body, "Отменить отправку нельзя") || !strings.Contains(r.body, `name="confirm" value="yes"`) {
				t.Fatalf("send asks first: %d\n%.2000s", r.status, r.body)
			}
			if r = adm.get(card); !strings.Contains(r.body, `id="mailing-status">черновик<`) {
				t.Fatal("the unconfirmed send sent")
			}
			for range 2 {
				if r = adm.do("POST", card+"/send", url.Values{"confirm": {"yes"}}); r.status != http.StatusSeeOther {
					t.Fatalf("send: %d\n%.2000s", r.status, r.body)
				}
			}
			r = adm.get(card)
			if !strings.Contains(r.body, `id="mailing-status">отправлена<`) || !strings.Contains(r.body, `id="count-recipients">1<`) ||
				!strings.Contains(r.body, `id="count-opened">0 / 1<`) || !strings.Contains(r.body, "Письмо.pdf") {
				t.Fatalf("sent card:\n%.4000s", r.body)
			}

			emp := e.browser()
			emp.login("employee")
			if r = emp.get("/ui/"); bell(t, r) != "1" {
				t.Fatalf("bell %s, want 1", bell(t, r))
			}
			r = emp.get("/ui/notices")
			if !strings.Contains(r.body, "Переход на МЧД") || !strings.Contains(r.body, "**Иванов Иван Петрович**") {
				t.Fatalf("notices:\n%.3000s", r.body)
			}
			if r = emp.do("POST", "/ui/notices/read", url.Values{}); r.status != http.StatusSeeOther {
				t.Fatalf("mark all read: %d", r.status)
			}
			if r = emp.get("/ui/notices"); bell(t, r) != "0" || !strings.Contains(r.body, "Новых уведомлений нет") {
				t.Fatalf("after reading:\n%.2000s", r.body)
			}
			if r = adm.get(card); !strings.Contains(r.body, `id="count-opened">1 / 1<`) {
				t.Fatal("the opened count does not follow the notice read")
			}
			if r = emp.get("/ui/mailings"); r.status != http.StatusForbidden {
				t.Fatalf("an employee opens mailings: %d", r.status)
			}

			r = adm.do("POST", "/ui/mailings", url.Values{"subject": {"Руководителям"}, "body": {"Текст"}, "kinds": {"head"}})
			empty := r.location
			if r = adm.get(empty); !strings.Contains(r.body, `id="reach-empty"`) || strings.Contains(r.body, `id="mailing-send"`) {
				t.Fatalf("empty segment card:\n%.3000s", r.body)
			}
			if r = adm.do("POST", empty+"/send", url.Values{"confirm": {"yes"}}); r.status != http.StatusConflict {
				t.Fatalf("sending to an empty segment: %d", r.status)
			}
		})
	}
}
