package standin

import (
	"encoding/json"
	"errors"
	"html/template"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/edge"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// statusWords are the statuses as the page says them.
var statusWords = map[mchd.RegistryStatus]string{
	mchd.RegistryProcessing: "На регистрации",
	mchd.RegistryCreated:    "Создана",
	mchd.RegistryActive:     "Действует",
	mchd.RegistryRejected:   "Отказано в регистрации",
	mchd.RegistryRevoked:    "Отменена",
	mchd.RegistryExpired:    "Срок действия истёк",
}

// PublicStatus is the status page's JSON answer. It holds the grantor's public requisites and no personal
// data: neither the head nor the representative, nor the revocation reason (free text the organization
// wrote). Reason is the registry's own reason of a rejection.
type PublicStatus struct {
	Number       string              `json:"number"`
	Status       mchd.RegistryStatus `json:"status"`
	StatusText   string              `json:"status_text"`
	StatusAt     time.Time           `json:"status_at"`
	Reason       string              `json:"reason,omitempty"`
	RegisteredAt *time.Time          `json:"registered_at,omitempty"`
	RevokedAt    *time.Time          `json:"revoked_at,omitempty"`
	IssueDate    string              `json:"issue_date,omitempty"`
	EndDate      string              `json:"end_date,omitempty"`
	GrantorName  string              `json:"grantor_name,omitempty"`
	GrantorINN   string              `json:"grantor_inn,omitempty"`
}

func publicStatus(e *storage.StandinEntry) *PublicStatus {
	s := mchd.RegistryStatus(e.Status)
	p := &PublicStatus{Number: e.Number, Status: s, StatusText: statusWords[s], StatusAt: e.StatusAt,
		IssueDate: e.IssueDate, EndDate: e.EndDate, GrantorName: e.GrantorName, GrantorINN: e.GrantorINN}
	if s == mchd.RegistryRejected {
		p.Reason = e.Reason
	}
	if !e.RegisteredAt.IsZero() {
		p.RegisteredAt = &e.RegisteredAt
	}
	if s == mchd.RegistryRevoked {
		p.RevokedAt = &e.StatusAt
	}
	return p
}

// Handler serves the public status page at StatusPath?guid=<number>: a Russian HTML page for people, JSON
// (PublicStatus) when the request accepts application/json. An unknown number is 404, a malformed one 400.
// It needs no login: anyone holding a document signed under the power of attorney may check it. Answers carry
// kcr's security headers (edge.Guard), and a request with NUL or invalid UTF-8 is 400.
func (r *Registry) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+StatusPath, r.serveStatus)
	return edge.Guard(mux, func(w http.ResponseWriter, req *http.Request, _ error) {
		r.refuse(w, wantsJSON(req), http.StatusBadRequest, "Запрос содержит недопустимые символы.", "the request holds invalid characters")
	})
}

func (r *Registry) serveStatus(w http.ResponseWriter, req *http.Request) {
	asJSON := wantsJSON(req)
	e, err := r.entry(req.Context(), req.URL.Query().Get("guid"))
	switch {
	case errors.Is(err, mchd.ErrUnknownNumber):
		r.refuse(w, asJSON, http.StatusNotFound, "Доверенность с таким номером в реестре не найдена.",
			"no power of attorney with this number is in the registry")
		return
	case errs.Is(err, errs.Invalid):
		r.refuse(w, asJSON, http.StatusBadRequest, "Номер доверенности должен быть GUID, например 0c9f6f0e-3d1c-4f6e-9a59-2b8a6c1d7e42.",
			"guid must be a power of attorney number (a GUID)")
		return
	case err != nil:
		r.opts.Log.Error("mchd registry stand-in: status page", "err", err)
		r.refuse(w, asJSON, http.StatusInternalServerError, "Сведения о доверенности сейчас недоступны, повторите запрос позже.",
			"the registry cannot answer now")
		return
	}
	p := publicStatus(e)
	w.Header().Set("Vary", "Accept")
	if asJSON {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(p)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	statusPage.Execute(w, pageData{PublicStatus: p, Now: r.clk.Now()})
}

// wantsJSON tells whether the request asks for JSON rather than a page.
func wantsJSON(req *http.Request) bool {
	for part := range strings.SplitSeq(req.Header.Get("Accept"), ",") {
		if t, _, err := mime.ParseMediaType(part); err == nil && (t == "application/json" || t == "application/problem+json") {
			return true
		}
	}
	return false
}

// refuse answers an error as a problem document (RFC 9457) or a short Russian page.
func (r *Registry) refuse(w http.ResponseWriter, asJSON bool, status int, russian, english string) {
	w.Header().Set("Vary", "Accept")
	if asJSON {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": http.StatusText(status), "status": status,
			"detail": english})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	statusPage.Execute(w, pageData{Error: russian, Now: r.clk.Now()})
}

type pageData struct {
	*PublicStatus
	Error string
	Now   time.Time
}

func mskDateTime(t time.Time) string { return t.In(rules.MSK).Format("02.01.2006 15:04") }

func ruDate(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return t.Format("02.01.2006")
}

// statusPage has no inline style: the security headers forbid it (edge.ContentSecurityPolicy).
var statusPage = template.Must(template.New("status").Funcs(template.FuncMap{"msk": mskDateTime, "date": ruDate}).Parse(`<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Проверка доверенности{{with .PublicStatus}} {{.Number}}{{end}}</title>
</head>
<body>
<h1>Проверка машиночитаемой доверенности</h1>
<p><small>Реестр доверенностей — демонстрационный стенд kcr, не реестр ФНС России.</small></p>
{{if .Error}}<p><strong>{{.Error}}</strong></p>{{else}}{{with .PublicStatus}}
<table>
<tr><th scope="row">Номер доверенности</th><td>{{.Number}}</td></tr>
<tr><th scope="row">Статус</th><td><strong>{{.StatusText}}</strong></td></tr>
{{if .Reason}}<tr><th scope="row">Причина отказа</th><td>{{.Reason}}</td></tr>{{end}}
{{if .GrantorName}}<tr><th scope="row">Доверитель</th><td>{{.GrantorName}}</td></tr>{{end}}
{{if .GrantorINN}}<tr><th scope="row">ИНН доверителя</th><td>{{.GrantorINN}}</td></tr>{{end}}
{{if .IssueDate}}<tr><th scope="row">Дата выдачи</th><td>{{date .IssueDate}}</td></tr>{{end}}
{{if .EndDate}}<tr><th scope="row">Действует по</th><td>{{date .EndDate}}</td></tr>{{end}}
{{with .RegisteredAt}}<tr><th scope="row">Зарегистрирована</th><td>{{msk .}} МСК</td></tr>{{end}}
{{with .RevokedAt}}<tr><th scope="row">Отменена</th><td>{{msk .}} МСК</td></tr>{{end}}
{{if eq .Status "EXPIRED"}}<tr><th scope="row">Истекла</th><td>{{msk .StatusAt}} МСК</td></tr>{{end}}
</table>
{{end}}{{end}}
<p><small>Сведения на {{msk .Now}} МСК.</small></p>
</body>
</html>
`))
