package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// wizardData is the new application wizard: step 1 finds the employee, step 2 chooses the kind.
type wizardData struct {
	Step      int
	Q         string
	Employees []employeeRow
	Searched  bool
	E         *model.Employee
	Org       string
	Kinds     []option
	Kind      string
	Nonce     string
	Message   string
	Fields    map[string]string
}

func (h *Handler) newApplication(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if !p.Can(access.AppCreate) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "applications"))
		return
	}
	q := r.URL.Query()
	if id := q.Get("employee"); id != "" {
		h.wizardStep2(w, r, p, http.StatusOK, id, wizardData{Kind: q.Get("kind"), Nonce: access.NewID()})
		return
	}
	d := wizardData{Step: 1, Q: strings.TrimSpace(q.Get("q"))}
	if d.Q != "" || q.Has("q") {
		d.Searched = true
		pg, err := h.Reg.Employees(r.Context(), p, storage.EmployeeFilter{NamePrefix: d.Q}, registration.PageRequest{Limit: 50})
		if err != nil {
			h.fail(w, r, p, err)
			return
		}
		names := h.orgNames(r, p)
		for _, e := range pg.Items {
			d.Employees = append(d.Employees, employeeRow{E: e, Org: names[e.OrganizationID]})
		}
	}
	h.render(w, r, http.StatusOK, "app_new", T("wiz.title"), p, d)
}

// wizardStep2 shows the employee and the kinds the rules allow today for their organization.
func (h *Handler) wizardStep2(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, id string, d wizardData) {
	e, err := h.Reg.Employee(r.Context(), p, id)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	offer, err := h.Reg.AllowedKinds(r.Context(), p, e.OrganizationID)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d.Step, d.E, d.Org = 2, e, h.orgNames(r, p)[e.OrganizationID]
	for _, k := range offer.Kinds {
		d.Kinds = append(d.Kinds, option{string(k), kindName(k)})
	}
	if d.Kind == "" && len(d.Kinds) > 0 {
		d.Kind = d.Kinds[0].Value
	}
	h.render(w, r, status, "app_new", T("wiz.title"), p, d)
}

func (h *Handler) createApplication(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, p, errs.New(errs.Malformed, "form"))
		return
	}
	emp, kind, nonce := r.PostForm.Get("employee"), r.PostForm.Get("kind"), r.PostForm.Get("nonce")
	key := p.Actor + "|application|" + emp + "|" + nonce
	if id, ok := h.submitted(key); ok && nonce != "" {
		http.Redirect(w, r, "/ui/applications/"+url.PathEscape(id)+"?done=create", http.StatusSeeOther)
		return
	}
	v, err := h.Reg.CreateApplication(r.Context(), p, registration.ApplicationInput{EmployeeID: emp, Kind: model.CertKind(kind)})
	if err != nil {
		pr := formProblem(err)
		if _, unknown := pr.Fields["employee_id"]; unknown || pr.Status == http.StatusNotFound || pr.Status == http.StatusForbidden ||
			pr.Status >= 500 || emp == "" {
			if unknown {
				err = errs.NotFoundf("employee %s not found", emp)
			}
			h.fail(w, r, p, err)
			return
		}
		h.wizardStep2(w, r, p, pr.Status, emp, wizardData{Kind: kind, Nonce: nonce, Message: pr.Message, Fields: pr.Fields})
		return
	}
	if nonce != "" {
		h.remember(key, v.ID)
	}
	http.Redirect(w, r, "/ui/applications/"+url.PathEscape(v.ID)+"?done=create", http.StatusSeeOther)
}

// applicationForm prints the application for a qualified certificate, filled in for the employee's
// signature. The personal data comes from Reg.Employee, which checks the right to read it and audits the read.
func (h *Handler) applicationForm(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	ctx := r.Context()
	v, err := h.Reg.Application(ctx, p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	e, err := h.Reg.Employee(ctx, p, v.EmployeeID)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	var org *model.Organization
	if v.Kind == model.KindLegalEntityEmployee || v.Kind == model.KindHead || v.Kind == model.KindSoleProprietor {
		if o, err := h.Reg.Organization(ctx, p, v.OrganizationID); err == nil {
			org = o
		} else if errs.KindOf(err) != errs.Forbidden {
			h.fail(w, r, p, err)
			return
		}
	}
	now := h.Reg.Clock.Now()
	pdf := document.NewPDF(now)
	pdf.SetMargins(20, 15, 15)
	pdf.SetAutoPageBreak(true, 15)
	pdf.AddPage()
	pdf.SetFont(document.FontFamily, "B", 13)
	pdf.MultiCell(0, 6, T("pdf.title"), "", "C", false)
	pdf.Ln(2)
	pdf.SetFont(document.FontFamily, "", 9)
	pdf.MultiCell(0, 4.5, T("pdf.number")+" "+v.ID+" · "+T("app.created")+" "+v.CreatedAt.In(rules.MSK).Format("02.01.2006"), "", "C", false)
	pdf.Ln(4)
	pdf.SetFont(document.FontFamily, "", 10)
	pdf.MultiCell(0, 5, T("pdf.intro")+" «"+kindName(v.Kind)+"».", "", "L", false)
	pdf.Ln(2)
	section := func(title string) {
		pdf.Ln(2)
		pdf.SetFont(document.FontFamily, "B", 10)
		pdf.MultiCell(0, 5.5, title, "", "L", false)
		pdf.SetFont(document.FontFamily, "", 10)
	}
	row := func(label, value string) {
		if value == "" {
			value = "—"
		}
		y := pdf.GetY()
		pdf.SetFont(document.FontFamily, "", 9)
		pdf.MultiCell(60, 5.5, label, "", "L", false)
		y2 := pdf.GetY()
		pdf.SetXY(80, y)
		pdf.SetFont(document.FontFamily, "", 10)
		pdf.MultiCell(0, 5.5, value, "B", "L", false)
		if pdf.GetY() < y2 {
			pdf.SetY(y2)
		}
	}
	section(T("pdf.applicant"))
	row(T("emp.name"), e.FullName())
	row(T("pdf.birth_date"), ruDate(e.BirthDate))
	row(T("emp.snils"), formatSNILS(e.SNILS))
	row(T("pdf.inn"), e.INN)
	row(T("emp.position"), e.Position)
	section(T("pdf.document"))
	row(T("pdf.doc_type"), T("doc."+e.Document.Type))
	row(T("pdf.series_number"), strings.TrimSpace(e.Document.Series+" "+e.Document.Number))
	row(T("pdf.issuer"), e.Document.Issuer)
	row(T("pdf.issue_date"), ruDate(e.Document.IssueDate))
	row(T("pdf.issuer_code"), e.Document.IssuerCode)
	if org != nil {
		section(T("pdf.organization"))
		row(T("org.name"), org.Name)
		row(T("org.inn"), org.INN)
		if org.KPP != "" {
			row(T("org.kpp"), org.KPP)
		}
		if org.Kind == model.OrgSoleProprietor {
			row(T("org.ogrnip"), org.OGRN)
		} else {
			row(T("org.ogrn"), org.OGRN)
		}
		row(T("org.address"), org.Address)
	}
	section(T("pdf.contacts"))
	row(T("emp.email"), e.Email)
	row(T("pdf.phone"), e.Phone)
	row(T("app.kind"), kindName(v.Kind))
	pdf.Ln(4)
	pdf.SetFont(document.FontFamily, "", 9)
	pdf.MultiCell(0, 4.5, T("pdf.truth"), "", "J", false)
	pdf.Ln(2)
	pdf.MultiCell(0, 4.5, T("pdf.consent"), "", "J", false)
	pdf.Ln(10)
	pdf.SetFont(document.FontFamily, "", 10)
	pdf.CellFormat(60, 6, T("pdf.date")+" «____» ____________ 20___ г.", "", 0, "L", false, 0, "")
	pdf.CellFormat(0, 6, T("pdf.signature")+" ______________ / "+initials(e)+" /", "", 1, "R", false, 0, "")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		h.fail(w, r, p, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="zayavlenie-`+v.ID+`.pdf"`)
	_, _ = buf.WriteTo(w)
}

// ruDate shows ГГГГ-ММ-ДД as ДД.ММ.ГГГГ.
func ruDate(s string) string {
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		return s[8:] + "." + s[5:7] + "." + s[:4]
	}
	return s
}

// initials is "Иванов И. П.".
func initials(e *model.Employee) string {
	out := e.Surname
	for _, n := range []string{e.GivenName, e.Patronymic} {
		if r := []rune(n); len(r) > 0 {
			out += " " + string(r[0]) + "."
		}
	}
	return out
}
