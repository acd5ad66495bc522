package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
)

// countCap is how many rows a dashboard count reads at most; counts that reach it say so.
const countCap = registration.MaxPageSize

// count is a labelled number, Capped when the page it was counted from had more rows.
type count struct {
	Label  string
	N      int
	Capped bool
	Href   string
	Pct    int // share of the largest count in its group, for bars
}

// dashboardData is the dashboard's content; nil groups are not shown to the role. The charts are empty when
// there is nothing to draw; their series also fill the tables under them.
type dashboardData struct {
	Apps          []count
	CertStatus    []count
	CertKind      []count
	Expiring      []count
	First         *firstScreen         // what the role does next, shown first
	Legacy        []*model.Certificate // the first legacy certificates to reissue, soonest ending first
	LegacyCount   []count              // all of them, linked to the register; nil when there are none
	LegacyMore    bool
	ShowCerts     bool
	Forecast      []billing.ForecastMonth
	ForecastChart template.HTML
	ShowForecast  bool
	Expiry        []registration.MonthCount
	ExpiryChart   template.HTML
}

// expiryChart draws the valid certificates expiring per month.
func expiryChart(l locale, months []registration.MonthCount) template.HTML {
	c := barChart{Title: l.T("dash.by_month"), Unit: l.T("chart.axis_certs"),
		Format: func(v int64) string { return strconv.FormatInt(v, 10) }}
	for _, m := range months {
		c.Bars = append(c.Bars, bar{Label: monthLabel(l, m.Period), Value: int64(m.Count), Text: strconv.Itoa(m.Count)})
	}
	return c.SVG()
}

// dashboardCerts fills the certificate part of the dashboard: counts over the whole register in scope by
// status, kind, 30/60/90 days left and month of expiry (one grouped query in the database), and the legacy
// certificates to reissue.
func (h *Handler) dashboardCerts(r *http.Request, p *access.Principal, d *dashboardData) error {
	ctx, l := r.Context(), localeOf(r)
	d.ShowCerts = true
	st, err := h.Reg.CertificateStats(ctx, p)
	if err != nil {
		return err
	}
	d.CertStatus = []count{
		{Label: l.statusName(model.CertValid), N: st.Valid, Href: "/ui/certificates?status=valid"},
		{Label: l.statusName(model.CertExpired), N: st.Expired, Href: "/ui/certificates?status=expired"},
		{Label: l.statusName(model.CertRevoked), N: st.Revoked, Href: "/ui/certificates?status=revoked"},
	}
	scale(d.CertStatus)
	for _, k := range model.CertKinds {
		d.CertKind = append(d.CertKind, count{Label: l.kindName(k), N: st.ValidByKind[k],
			Href: "/ui/certificates?status=valid&kind=" + string(k)})
	}
	scale(d.CertKind)
	d.Expiring = []count{{Label: l.T("dash.in30"), N: st.Expiring30, Href: "/ui/certificates?expires=30"},
		{Label: l.T("dash.in60"), N: st.Expiring60, Href: "/ui/certificates?expires=60"},
		{Label: l.T("dash.in90"), N: st.Expiring90, Href: "/ui/certificates?expires=90"}}
	if st.Legacy > 0 {
		d.LegacyCount = []count{{Label: l.T("dash.legacy_all"), N: st.Legacy, Href: "/ui/certificates?legacy=1&sort=not_after", Pct: 100}}
	}
	scale(d.Expiring)
	d.Expiry = st.ExpiringByMonth
	d.ExpiryChart = expiryChart(l, d.Expiry)
	if f, ok := h.Reg.LegacyOnly(storage.CertFilter{}); ok && st.Legacy > 0 {
		legacy, err := h.Reg.Certificates(ctx, p, f, registration.PageRequest{Limit: 20, Sort: "not_after"})
		if err != nil {
			return err
		}
		d.Legacy, d.LegacyMore = legacy.Items, legacy.NextCursor != ""
	}
	return nil
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	ctx, l := r.Context(), localeOf(r)
	var d dashboardData
	full := registration.PageRequest{Limit: countCap}
	byState := map[model.State][]*model.Application{}
	if p.Can(access.AppRead) {
		for _, st := range model.States {
			pg, err := h.Reg.Applications(ctx, p, storage.AppFilter{State: st}, full)
			if err != nil {
				h.fail(w, r, p, err)
				return
			}
			d.Apps = append(d.Apps, count{Label: l.stateName(st), N: len(pg.Items), Capped: pg.NextCursor != "",
				Href: "/ui/applications?state=" + string(st)})
			byState[st] = pg.Items
		}
		scale(d.Apps)
	}
	if p.Can(access.CertRead) {
		if err := h.dashboardCerts(r, p, &d); err != nil {
			h.fail(w, r, p, err)
			return
		}
	}
	if h.Billing != nil && p.Can(access.ForecastRead) && p.Role != model.RoleOperator {
		months, err := h.Billing.Forecast(ctx, p)
		if err != nil {
			h.fail(w, r, p, err)
			return
		}
		d.ShowForecast = true
		d.Forecast = months
		d.ForecastChart = forecastChart(l, months)
	}
	first, err := h.firstScreen(r, p, &d, byState)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d.First = first
	h.render(w, r, http.StatusOK, "dashboard", l.T("dash.title"), p, d)
}

// scale sets each count's share of the group's largest, for the bars.
func scale(cs []count) {
	top := 0
	for _, c := range cs {
		top = max(top, c.N)
	}
	for i := range cs {
		if top > 0 {
			cs[i].Pct = cs[i].N * 100 / top
		}
	}
}

// forecastChart draws the renewal cost per month in roubles; the tooltips give the exact sums.
func forecastChart(l locale, months []billing.ForecastMonth) template.HTML {
	c := barChart{Title: l.T("dash.forecast"), Unit: l.T("chart.axis_rub"), Format: func(k int64) string { return rubShort(l, k) }}
	for _, m := range months {
		c.Bars = append(c.Bars, bar{Label: monthLabel(l, m.Period), Value: m.TotalKopecks, Text: l.rub(m.TotalKopecks)})
	}
	return c.SVG()
}

// orgNode is an organization in the holding tree.
type orgNode struct {
	Org      *model.Organization
	KindName string
	Edit     bool // the caller may change it
	Head     bool // a legal entity whose head the caller may read or record
	Children []*orgNode
}

type orgsData struct {
	Roots     []*orgNode
	Capped    bool
	CanCreate bool
	Done      bool
	Q         string // the search as entered; the tree then holds the matches (a match whose parent is not one shows at the top)
}

func (h *Handler) organizations(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	orgs, capped, err := h.findOrgs(r, p, orgSearch(q))
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	nodes := map[string]*orgNode{}
	for _, o := range orgs {
		nodes[o.ID] = &orgNode{Org: o, Edit: p.Can(access.OrgWrite)}
	}
	var d orgsData
	d.Capped = capped
	d.CanCreate = p.Can(access.OrgCreate)
	d.Done = r.URL.Query().Get("done") != ""
	d.Q = q
	for _, o := range orgs {
		n := nodes[o.ID]
		parent, ok := nodes[o.ParentID]
		switch {
		case o.Kind == model.OrgBranch:
			n.KindName = l.T("orgkind.branch")
		case o.Kind == model.OrgSoleProprietor:
			n.KindName = l.T("orgkind.sole")
		case ok:
			n.KindName = l.T("orgkind.legal") + ", " + l.T("orgkind.sub")
		default:
			n.KindName = l.T("orgkind.legal")
		}
		n.Head = o.Kind == model.OrgLegalEntity && (registration.MayReadHead(p) || registration.MayWriteHead(p))
		if ok {
			parent.Children = append(parent.Children, n)
		} else {
			d.Roots = append(d.Roots, n)
		}
	}
	h.render(w, r, http.StatusOK, "organizations", l.T("orgs.title"), p, d)
}

// allOrgs reads the organizations in scope, at most one page of 200, sorted by name.
func (h *Handler) allOrgs(r *http.Request, p *access.Principal) ([]*model.Organization, bool, error) {
	return h.findOrgs(r, p, storage.OrgFilter{})
}

// findOrgs is allOrgs narrowed by f.
func (h *Handler) findOrgs(r *http.Request, p *access.Principal, f storage.OrgFilter) ([]*model.Organization, bool, error) {
	pg, err := h.Reg.Organizations(r.Context(), p, f, registration.PageRequest{Limit: countCap})
	if err != nil {
		return nil, false, err
	}
	slices.SortFunc(pg.Items, func(a, b *model.Organization) int { return strings.Compare(a.Name, b.Name) })
	return pg.Items, pg.NextCursor != "", nil
}

// orgNames maps organization ids in scope to names; it is empty for a role that cannot read organizations.
func (h *Handler) orgNames(r *http.Request, p *access.Principal) map[string]string {
	out := map[string]string{}
	if !p.Can(access.OrgRead) {
		return out
	}
	orgs, _, err := h.allOrgs(r, p)
	if err != nil {
		return out
	}
	for _, o := range orgs {
		out[o.ID] = o.Name
	}
	return out
}

// listData is what the list pages share: the query as entered, field messages, the rows and paging.
type listData struct {
	Q       url.Values
	Fields  map[string]string
	Message string
	Rows    any
	Empty   bool
	Next    string // URL of the next page, "" at the end
	First   string // URL of the first page when not on it
	Orgs    map[string]string
	Extra   any
	Base    string // the list's path, for the sort links of its headers
}

// pageLinks fills Next and First from the query and the page's cursor.
func (d *listData) pageLinks(base string, q url.Values, next string) {
	if next != "" {
		nq := cloneValues(q)
		nq.Set("cursor", next)
		d.Next = base + "?" + nq.Encode()
	}
	if q.Get("cursor") != "" {
		fq := cloneValues(q)
		fq.Del("cursor")
		d.First = base + "?" + fq.Encode()
	}
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		if len(v) > 0 && v[0] != "" {
			out[k] = slices.Clone(v)
		}
	}
	return out
}

// listFailed shows a list's error: field problems on the form, anything else as an error page.
func (h *Handler) listFailed(w http.ResponseWriter, r *http.Request, p *access.Principal, name, title string, d listData, err error) {
	l := localeOf(r)
	pr := explain(l, err)
	if pr.Fields == nil {
		h.fail(w, r, p, err)
		return
	}
	if errs.KindOf(err) == errs.Invalid {
		for f := range pr.Fields {
			switch f {
			case "cursor":
				// A page link from before a change of order, or edited: offer the first page.
				delete(pr.Fields, f)
				pr.Message = l.T("err.cursor")
				if d.Base != "" {
					first := cloneValues(d.Q)
					first.Del("cursor")
					d.First = d.Base + "?" + first.Encode()
				}
			case "limit":
				delete(pr.Fields, f)
				pr.Fields["q"] = l.T("err.field_format")
			case "sort":
				pr.Message = l.T("err.sort")
			}
		}
	}
	d.Fields, d.Message, d.Empty = pr.Fields, pr.Message, true
	h.render(w, r, pr.Status, name, title, p, d)
}

// employeeRow is one employee as the list shows them: the passport masked, the СНИЛС in full only for a
// viewer allowed to read personal data (the list itself requires it).
type employeeRow struct {
	E        *model.Employee
	Org      string
	SNILS    string
	Passport string
}

func (h *Handler) employees(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	q, l := r.URL.Query(), localeOf(r)
	d := listData{Q: q, Extra: listActions{CanCreate: p.Can(access.EmployeeWrite)}, Base: "/ui/employees"}
	if !p.Can(access.EmployeeRead) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "employees"))
		return
	}
	pg, err := h.Reg.Employees(r.Context(), p, storage.EmployeeFilter{NamePrefix: strings.TrimSpace(q.Get("q")),
		OrganizationID: q.Get("org")}, registration.PageRequest{Cursor: q.Get("cursor"), Sort: q.Get("sort")})
	if err != nil {
		h.listFailed(w, r, p, "employees", l.T("emps.title"), d, err)
		return
	}
	names := h.orgNames(r, p)
	rows := make([]employeeRow, len(pg.Items))
	for i, e := range pg.Items {
		rows[i] = employeeRow{E: e, Org: names[e.OrganizationID], SNILS: maskSNILS(e.SNILS),
			Passport: registration.MaskDocument(e.Document.Series + " " + e.Document.Number)}
		if p.Can(access.EmployeeRead) {
			rows[i].SNILS = formatSNILS(e.SNILS)
		}
	}
	d.Rows, d.Empty, d.Orgs = rows, len(rows) == 0, names
	d.pageLinks("/ui/employees", q, pg.NextCursor)
	h.render(w, r, http.StatusOK, "employees", l.T("emps.title"), p, d)
}

// listActions are the links a list offers above its search form.
type listActions struct {
	CanCreate bool
}

// option is a choice in a select.
type option struct {
	Value, Label string
}

// enumOptions offers every value of a closed set, labelled from the catalogue under prefix+value.
func enumOptions[T ~string](l locale, prefix string, list []T) []option {
	out := make([]option, len(list))
	for i, v := range list {
		out[i] = option{string(v), l.T(prefix + string(v))}
	}
	return out
}

func stateOptions(l locale) []option {
	out := make([]option, len(model.States))
	for i, s := range model.States {
		out[i] = option{string(s), l.stateName(s)}
	}
	return out
}

func kindOptions(l locale) []option {
	out := make([]option, len(model.CertKinds))
	for i, k := range model.CertKinds {
		out[i] = option{string(k), l.kindName(k)}
	}
	return out
}

// searchForm is the extra data of the search pages.
type searchForm struct {
	States, Kinds, Statuses []option
	CanSNILS                bool
	CanCreate               bool
	// The certificate register's expiry windows, and its renewal wave: who may start one and the filter
	// "all found" carries.
	Expiry     []option
	CanReissue bool
	Filter     url.Values
}

func (h *Handler) applications(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	q, l := r.URL.Query(), localeOf(r)
	d := listData{Q: q, Extra: searchForm{States: stateOptions(l), Kinds: kindOptions(l), CanSNILS: p.Can(access.EmployeeRead),
		CanCreate: p.Can(access.AppCreate)}, Base: "/ui/applications"}
	f := storage.AppFilter{OrgNamePrefix: strings.TrimSpace(q.Get("org")), INN: strings.TrimSpace(q.Get("inn")),
		KPP: strings.TrimSpace(q.Get("kpp")), OGRN: strings.TrimSpace(q.Get("ogrn")),
		EmployeeNamePrefix: strings.TrimSpace(q.Get("employee")), SNILS: strings.TrimSpace(q.Get("snils")),
		State: model.State(q.Get("state")), Kind: model.CertKind(q.Get("kind"))}
	if f.SNILS != "" && !p.Can(access.EmployeeRead) {
		d.Fields, d.Message, d.Empty = map[string]string{"snils": l.T("err.snils_denied")}, l.T("err.snils_denied"), true
		h.render(w, r, http.StatusUnprocessableEntity, "applications", l.T("apps.title"), p, d)
		return
	}
	pg, err := h.Reg.Applications(r.Context(), p, f, registration.PageRequest{Cursor: q.Get("cursor"), Sort: q.Get("sort")})
	if err != nil {
		h.listFailed(w, r, p, "applications", l.T("apps.title"), d, err)
		return
	}
	d.Rows, d.Empty = pg.Items, len(pg.Items) == 0
	d.pageLinks("/ui/applications", q, pg.NextCursor)
	h.render(w, r, http.StatusOK, "applications", l.T("apps.title"), p, d)
}

// certRow is a certificate with its highlights.
type certRow struct {
	C        *model.Certificate
	Expiring bool // valid and ending within 30 days
}

func (h *Handler) certificates(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	q, l := r.URL.Query(), localeOf(r)
	d := listData{Q: q, Extra: searchForm{Kinds: kindOptions(l), CanSNILS: p.Can(access.EmployeeRead),
		Statuses: enumOptions(l, "status.", model.CertStatuses), Expiry: expiryOptions(l),
		CanReissue: p.Can(access.CertReissue), Filter: registerQuery(q)}, Base: "/ui/certificates"}
	if strings.TrimSpace(q.Get("snils")) != "" && !p.Can(access.EmployeeRead) {
		d.Fields, d.Message, d.Empty = map[string]string{"snils": l.T("err.snils_denied")}, l.T("err.snils_denied"), true
		h.render(w, r, http.StatusUnprocessableEntity, "certificates", l.T("certs.title"), p, d)
		return
	}
	f, ok, err := h.registerFilter(q)
	if err != nil {
		h.listFailed(w, r, p, "certificates", l.T("certs.title"), d, err)
		return
	}
	if !ok {
		d.Empty = true
		h.render(w, r, http.StatusOK, "certificates", l.T("certs.title"), p, d)
		return
	}
	pg, err := h.Reg.Certificates(r.Context(), p, f, registration.PageRequest{Cursor: q.Get("cursor"), Sort: q.Get("sort")})
	if err != nil {
		h.listFailed(w, r, p, "certificates", l.T("certs.title"), d, err)
		return
	}
	now := h.Reg.Clock.Now()
	var rows []certRow
	for _, c := range pg.Items {
		rows = append(rows, certRow{C: c, Expiring: c.Status == model.CertValid && c.NotAfter.Sub(now) <= 30*24*time.Hour})
	}
	d.Rows, d.Empty = rows, len(rows) == 0
	d.pageLinks("/ui/certificates", q, pg.NextCursor)
	h.render(w, r, http.StatusOK, "certificates", l.T("certs.title"), p, d)
}

// invoiceRow is an invoice with its printed number and payer.
type invoiceRow struct {
	I      *model.Invoice
	Number string
	Payer  string
}

func (h *Handler) invoices(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	d := listData{Q: r.URL.Query()}
	if h.Billing == nil {
		h.fail(w, r, p, errs.NotFoundf("billing is not configured"))
		return
	}
	if err := h.invoiceRows(r, p, &d); err != nil {
		h.listFailed(w, r, p, "invoices", l.T("inv.title"), d, err)
		return
	}
	acc, err := h.invoiceAccountData(r, p, nil)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d.Extra = acc
	h.render(w, r, http.StatusOK, "invoices", l.T("inv.title"), p, d)
}
