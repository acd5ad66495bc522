package web

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
)

// Administration: users and their organization scopes, API keys (the secret shown once), service
// centers and tariffs. Each page lists and, for a role that may, has an add form that posts back to the
// page and redirects (or re-renders with a message at each wrong field).

// adminData is an administration page: the list, the add form, and what was just done.
type adminData struct {
	formData
	Done      string
	CanAdd    bool
	Users     []userRow
	Keys      []keyRow
	Centers   []model.ServiceCenter
	Tariffs   []tariffRow
	Roles     []option
	Employees []option
	Accounts  []option
	Positions []option
	// Secret is a just-created API key, shown on the result page only.
	Secret string
	Key    *model.APIKey
	// User is the user an action or the edit form is about; Alert a refusal shown above the list; Self the
	// caller's own user id, whose row has no actions that would end the caller's access by accident.
	User  *model.User
	Alert string
	Self  string
	// Question is an irreversible action's confirmation, Verb its button.
	Question, Verb string
}

type userRow struct {
	U    *model.User
	Role string
	Orgs string
}

type keyRow struct {
	K    *model.APIKey
	Orgs string
}

type tariffRow struct {
	T        *model.Tariff
	Position string
}

// Form is the add form's state, for the "field" template.
func (d adminData) Form() formData { return d.formData }

// Has reports whether a multi-valued field (a multi-select, a checkbox) holds the value.
func (d adminData) Has(field, value string) bool { return slices.Contains(d.Values[field], value) }

// adminProblem folds indexed field names ("organization_ids[2]") into the form's field and renames
// service fields the form shows under another name.
func adminFields(fields map[string]string, rename map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range fields {
		if i := strings.IndexByte(k, '['); i > 0 {
			k = k[:i]
		}
		if n, ok := rename[k]; ok {
			k = n
		}
		if _, dup := out[k]; !dup {
			out[k] = v
		}
	}
	return out
}

// adminFailed re-renders an administration page with the form's values and messages; forbidden, not
// found and internal failures are error pages.
func (h *Handler) adminFailed(w http.ResponseWriter, r *http.Request, p *access.Principal, name, title string, d *adminData,
	err error, rename map[string]string, fill func() error) {
	pr := formProblem(localeOf(r), err)
	if pr.Status == http.StatusNotFound || pr.Status == http.StatusForbidden || pr.Status >= 500 || pr.Status == http.StatusUnauthorized {
		h.fail(w, r, p, err)
		return
	}
	d.Fields, d.Message = adminFields(pr.Fields, rename), pr.Message
	if err := fill(); err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.render(w, r, pr.Status, name, title, p, *d)
}

// once runs create unless the form's nonce was already used by this caller; it returns the remembered
// id and whether this was a repeat.
func (h *Handler) repeated(p *access.Principal, what string, form url.Values) (string, bool) {
	n := form.Get("nonce")
	if n == "" {
		return "", false
	}
	return h.submitted(p.Actor + "|" + what + "|" + n)
}

func (h *Handler) rememberForm(p *access.Principal, what string, form url.Values, id string) {
	if n := form.Get("nonce"); n != "" {
		h.remember(p.Actor+"|"+what+"|"+n, id)
	}
}

// orgOptions are the organizations in the caller's scope, and their names by id.
func (h *Handler) orgOptions(r *http.Request, p *access.Principal) ([]option, map[string]string) {
	names := map[string]string{}
	var out []option
	if !p.Can(access.OrgRead) {
		return nil, names
	}
	orgs, _, err := h.allOrgs(r, p)
	if err != nil {
		return nil, names
	}
	for _, o := range orgs {
		out = append(out, option{o.ID, o.Name + " (" + o.INN + ")"})
		names[o.ID] = o.Name
	}
	return out, names
}

func orgList(l locale, ids []string, all bool, names map[string]string) string {
	if all || len(ids) == 0 {
		return l.T("adm.all_orgs")
	}
	var out []string
	for _, id := range ids {
		if n, ok := names[id]; ok {
			out = append(out, n)
		} else {
			out = append(out, "—")
		}
	}
	return strings.Join(out, "; ")
}

// ---- users ----

func (h *Handler) usersFill(r *http.Request, p *access.Principal, d *adminData) error {
	l := localeOf(r)
	users, err := h.Access.Users(r.Context(), p)
	if err != nil {
		return err
	}
	orgs, names := h.orgOptions(r, p)
	d.Orgs = orgs
	for _, u := range users {
		row := userRow{U: u, Role: l.roleName(u.Role), Orgs: orgList(l, u.OrganizationIDs, false, names)}
		if u.Role == model.RoleEmployee {
			row.Orgs = l.T("adm.own_only")
		}
		d.Users = append(d.Users, row)
	}
	for _, role := range model.Roles {
		if role == model.RoleIntegration || role == model.RoleOperator && p.Role != model.RoleOperator {
			continue
		}
		d.Roles = append(d.Roles, option{string(role), l.roleName(role)})
	}
	if p.Can(access.EmployeeRead) {
		pg, err := h.Reg.Employees(r.Context(), p, storage.EmployeeFilter{}, registration.PageRequest{Limit: countCap})
		if err == nil {
			for _, e := range pg.Items {
				d.Employees = append(d.Employees, option{e.ID, strings.TrimSpace(e.Surname+" "+e.GivenName+" "+e.Patronymic) +
					" — " + names[e.OrganizationID]})
			}
		}
	}
	if p.AccountID == "" {
		accts, err := h.Access.Accounts(r.Context(), p)
		if err != nil {
			return err
		}
		for _, a := range accts {
			d.Accounts = append(d.Accounts, option{a.ID, a.Name})
		}
	}
	d.CanAdd = true
	d.Action = "/ui/admin/users"
	d.Self = strings.TrimPrefix(p.Actor, "user:")
	return nil
}

func (h *Handler) adminUsers(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if !p.Can(access.UserManage) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "users"))
		return
	}
	h.usersPage(w, r, p, http.StatusOK, adminData{Done: r.URL.Query().Get("done")})
}

// usersPage renders the users page with a fresh form, and d's message.
func (h *Handler) usersPage(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, d adminData) {
	d.formData = formData{Values: url.Values{}, Nonce: access.NewID()}
	if err := h.usersFill(r, p, &d); err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.render(w, r, status, "admin_users", localeOf(r).T("adm.users_title"), p, d)
}

func (h *Handler) adminUserCreate(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if !p.Can(access.UserManage) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "users"))
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, p, errs.New(errs.Malformed, "form"))
		return
	}
	f := r.PostForm
	if _, ok := h.repeated(p, "user", f); ok {
		http.Redirect(w, r, "/ui/admin/users?done=user", http.StatusSeeOther)
		return
	}
	in := access.UserInput{AccountID: f.Get("account_id"), Login: f.Get("login"), FullName: f.Get("full_name"),
		Role: model.Role(f.Get("role")), Password: f.Get("password")}
	// The organizations and the employee only go with the roles that have them, so a select left filled
	// in for another role is not an error.
	if access.RoleScoped(in.Role) {
		in.OrganizationIDs = slices.DeleteFunc(slices.Clone(f["organization_ids"]), func(s string) bool { return s == "" })
	}
	if in.Role == model.RoleEmployee {
		in.EmployeeID = f.Get("employee_id")
	}
	u, err := h.Access.CreateUser(r.Context(), p, in)
	if err != nil {
		vals := cloneValues(f)
		vals.Del("password")
		d := adminData{formData: formData{Values: vals, Nonce: f.Get("nonce")}}
		h.adminFailed(w, r, p, "admin_users", l.T("adm.users_title"), &d, err, nil, func() error { return h.usersFill(r, p, &d) })
		return
	}
	h.rememberForm(p, "user", f, u.ID)
	http.Redirect(w, r, "/ui/admin/users?done=user", http.StatusSeeOther)
}

// userActions are what an administrator does to a user from the users page; the irreversible ones ask
// first, on a page of their own, so that no JavaScript is needed.
var userActions = map[string]struct {
	confirm bool
	done    string
}{
	"disable":        {true, "disabled"},
	"enable":         {false, "enabled"},
	"end-sessions":   {true, "sessions"},
	"reset-password": {true, ""},
}

func (h *Handler) adminUserAction(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	action := r.PathValue("action")
	a, ok := userActions[action]
	if !ok {
		h.fail(w, r, p, errs.NotFoundf("no such action"))
		return
	}
	u, err := h.Access.User(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	if a.confirm && r.PostFormValue("confirm") != "yes" {
		h.render(w, r, http.StatusOK, "admin_user_confirm", l.T("adm.confirm_title"), p, adminData{User: u,
			formData: formData{Action: "/ui/admin/users/" + u.ID + "/" + action},
			Question: l.T("adm.confirm_" + action), Verb: l.T("adm.act_" + action)})
		return
	}
	switch action {
	case "disable", "enable":
		_, err = h.Access.SetUserDisabled(r.Context(), p, u.ID, action == "disable")
	case "end-sessions":
		_, err = h.Access.EndSessions(r.Context(), p, u.ID)
	case "reset-password":
		var temp string
		if _, temp, err = h.Access.ResetPassword(r.Context(), p, u.ID, ""); err == nil {
			h.render(w, r, http.StatusOK, "admin_user_password", l.T("adm.reset_title"), p, adminData{User: u, Secret: temp})
			return
		}
	}
	if err != nil {
		h.userRefused(w, r, p, err)
		return
	}
	http.Redirect(w, r, "/ui/admin/users?done="+a.done, http.StatusSeeOther)
}

// userRefused shows the users page with why an action was refused (keeping the last administrator), or
// an error page for anything else.
func (h *Handler) userRefused(w http.ResponseWriter, r *http.Request, p *access.Principal, err error) {
	l := localeOf(r)
	if !errs.Is(err, errs.Conflict) {
		h.fail(w, r, p, err)
		return
	}
	h.usersPage(w, r, p, http.StatusConflict, adminData{Alert: l.T("adm.last_admin")})
}

// adminUserEdit shows the form that changes a user's role, organizations and linked employee.
func (h *Handler) adminUserEdit(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	u, err := h.Access.User(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	vals := url.Values{"role": {string(u.Role)}, "employee_id": {u.EmployeeID}, "organization_ids": u.OrganizationIDs}
	d := adminData{formData: formData{Values: vals}, User: u}
	if err := h.userEditFill(r, p, &d); err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.render(w, r, http.StatusOK, "admin_user_edit", l.T("adm.edit_title"), p, d)
}

// userEditFill offers the roles, organizations and employees of the user's account. The CA operator sees
// no client's organizations or employees, so it can only pick the roles that need neither.
func (h *Handler) userEditFill(r *http.Request, p *access.Principal, d *adminData) error {
	if err := h.usersFill(r, p, d); err != nil {
		return err
	}
	d.Users = nil
	d.Action = "/ui/admin/users/" + d.User.ID
	return nil
}

func (h *Handler) adminUserUpdate(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	u, err := h.Access.User(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, p, errs.New(errs.Malformed, "form"))
		return
	}
	f := r.PostForm
	in := access.UserChange{Role: model.Role(f.Get("role"))}
	// As on the add form, organizations and the employee go only with the roles that have them.
	if access.RoleScoped(in.Role) {
		in.OrganizationIDs = slices.DeleteFunc(slices.Clone(f["organization_ids"]), func(s string) bool { return s == "" })
	}
	if in.Role == model.RoleEmployee {
		in.EmployeeID = f.Get("employee_id")
	}
	if _, err := h.Access.ChangeUser(r.Context(), p, u.ID, in); err != nil {
		if errs.Is(err, errs.Conflict) {
			h.userRefused(w, r, p, err)
			return
		}
		d := adminData{formData: formData{Values: cloneValues(f)}, User: u}
		h.adminFailed(w, r, p, "admin_user_edit", l.T("adm.edit_title"), &d, err, nil, func() error { return h.userEditFill(r, p, &d) })
		return
	}
	http.Redirect(w, r, "/ui/admin/users?done=changed", http.StatusSeeOther)
}

// ---- API keys ----

func (h *Handler) keysFill(r *http.Request, p *access.Principal, d *adminData) error {
	l := localeOf(r)
	keys, err := h.Access.APIKeys(r.Context(), p)
	if err != nil {
		return err
	}
	orgs, names := h.orgOptions(r, p)
	d.Orgs = orgs
	for _, k := range keys {
		d.Keys = append(d.Keys, keyRow{K: k, Orgs: orgList(l, k.OrganizationIDs, k.AllOrgs, names)})
	}
	d.CanAdd = true
	d.Action = "/ui/admin/api-keys"
	return nil
}

func (h *Handler) adminKeys(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if !p.Can(access.APIKeyManage) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "api keys"))
		return
	}
	d := adminData{formData: formData{Values: url.Values{}, Nonce: access.NewID()}, Done: r.URL.Query().Get("done")}
	if err := h.keysFill(r, p, &d); err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.render(w, r, http.StatusOK, "admin_keys", l.T("adm.keys_title"), p, d)
}

func (h *Handler) adminKeyCreate(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if !p.Can(access.APIKeyManage) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "api keys"))
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, p, errs.New(errs.Malformed, "form"))
		return
	}
	f := r.PostForm
	if _, ok := h.repeated(p, "apikey", f); ok {
		// The secret is never shown twice: a repeated submit lands on the list.
		http.Redirect(w, r, "/ui/admin/api-keys?done=key", http.StatusSeeOther)
		return
	}
	in := access.APIKeyInput{Name: f.Get("name"), AllOrganizations: f.Get("all_organizations") == "on"}
	if !in.AllOrganizations {
		in.OrganizationIDs = slices.DeleteFunc(slices.Clone(f["organization_ids"]), func(s string) bool { return s == "" })
	}
	k, secret, err := h.Access.CreateAPIKey(r.Context(), p, in)
	if err != nil {
		d := adminData{formData: formData{Values: f, Nonce: f.Get("nonce")}}
		h.adminFailed(w, r, p, "admin_keys", l.T("adm.keys_title"), &d, err, nil, func() error { return h.keysFill(r, p, &d) })
		return
	}
	h.rememberForm(p, "apikey", f, k.ID)
	h.render(w, r, http.StatusOK, "admin_key_created", l.T("adm.key_created_title"), p, adminData{Secret: secret, Key: k})
}

func (h *Handler) adminKeyRevoke(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if !h.keyRevokeConfirm(w, r, p) {
		return
	}
	if _, err := h.Access.RevokeAPIKey(r.Context(), p, r.PathValue("id")); err != nil {
		h.fail(w, r, p, err)
		return
	}
	http.Redirect(w, r, "/ui/admin/api-keys?done=revoked", http.StatusSeeOther)
}

// ---- service centers ----

func (h *Handler) centersFill(r *http.Request, p *access.Principal, d *adminData) error {
	cs, err := h.Reg.ServiceCenters(r.Context())
	if err != nil {
		return err
	}
	d.Centers = cs
	d.CanAdd = p.Can(access.AccountManage)
	d.Action = "/ui/admin/service-centers"
	return nil
}

func (h *Handler) adminCenters(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	d := adminData{formData: formData{Values: url.Values{}, Nonce: access.NewID()}, Done: r.URL.Query().Get("done")}
	if err := h.centersFill(r, p, &d); err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.render(w, r, http.StatusOK, "admin_centers", l.T("adm.centers_title"), p, d)
}

func (h *Handler) adminCenterCreate(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if !p.Can(access.AccountManage) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "service centers"))
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, p, errs.New(errs.Malformed, "form"))
		return
	}
	f := r.PostForm
	if _, ok := h.repeated(p, "center", f); ok {
		http.Redirect(w, r, "/ui/admin/service-centers?done=center", http.StatusSeeOther)
		return
	}
	c, err := h.Reg.CreateServiceCenter(r.Context(), p, registration.ServiceCenterInput{Name: f.Get("name"),
		Address: f.Get("address"), Region: f.Get("region"), Hours: f.Get("hours")})
	if err != nil {
		d := adminData{formData: formData{Values: f, Nonce: f.Get("nonce")}}
		h.adminFailed(w, r, p, "admin_centers", l.T("adm.centers_title"), &d, err, nil, func() error { return h.centersFill(r, p, &d) })
		return
	}
	h.rememberForm(p, "center", f, c.ID)
	http.Redirect(w, r, "/ui/admin/service-centers?done=center", http.StatusSeeOther)
}

// ---- tariffs ----

func (h *Handler) tariffsFill(r *http.Request, p *access.Principal, d *adminData) error {
	l := localeOf(r)
	if h.Billing == nil {
		return errs.NotFoundf("billing is not configured")
	}
	ts, err := h.Billing.Tariffs(r.Context(), p)
	if err != nil {
		return err
	}
	for _, t := range ts {
		d.Tariffs = append(d.Tariffs, tariffRow{T: t, Position: l.T("pos." + string(t.Position))})
	}
	d.Positions = enumOptions(l, "pos.", model.BillingPositions)
	d.CanAdd = p.Can(access.BillingManage)
	d.Action = "/ui/admin/tariffs"
	return nil
}

func (h *Handler) adminTariffs(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	d := adminData{formData: formData{Values: url.Values{}, Nonce: access.NewID()}, Done: r.URL.Query().Get("done")}
	if err := h.tariffsFill(r, p, &d); err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.render(w, r, http.StatusOK, "admin_tariffs", l.T("adm.tariffs_title"), p, d)
}

var priceRE = regexp.MustCompile(`^(\d{1,12})(?:[.,](\d{1,2}))?$`)

// parseRoubles reads "1500", "1 500,5" or "1500.50" as kopecks.
func parseRoubles(s string) (int64, bool) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", "₽", "").Replace(strings.TrimSpace(s))
	m := priceRE.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	rub, _ := strconv.ParseInt(m[1], 10, 64)
	kop := int64(0)
	if m[2] != "" {
		frac := m[2]
		if len(frac) == 1 {
			frac += "0"
		}
		kop, _ = strconv.ParseInt(frac, 10, 64)
	}
	return rub*100 + kop, true
}

func (h *Handler) adminTariffCreate(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if h.Billing == nil {
		h.fail(w, r, p, errs.NotFoundf("billing is not configured"))
		return
	}
	if !p.Can(access.BillingManage) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "tariffs"))
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, p, errs.New(errs.Malformed, "form"))
		return
	}
	f := r.PostForm
	if _, ok := h.repeated(p, "tariff", f); ok {
		http.Redirect(w, r, "/ui/admin/tariffs?done=tariff", http.StatusSeeOther)
		return
	}
	d := adminData{formData: formData{Values: f, Nonce: f.Get("nonce")}}
	fill := func() error { return h.tariffsFill(r, p, &d) }
	kop, ok := parseRoubles(f.Get("price"))
	if !ok {
		h.adminFailed(w, r, p, "admin_tariffs", l.T("adm.tariffs_title"), &d,
			errs.Field("price", "format", "a price in roubles"), nil, fill)
		return
	}
	t, err := h.Billing.CreateTariff(r.Context(), p, billing.TariffInput{Position: model.BillingPosition(f.Get("position")), PriceKopecks: kop,
		ValidFrom: isoDate(f.Get("valid_from")), ValidTo: isoDate(f.Get("valid_to"))})
	if err != nil {
		h.adminFailed(w, r, p, "admin_tariffs", l.T("adm.tariffs_title"), &d, err, map[string]string{"price_kopecks": "price"}, fill)
		return
	}
	h.rememberForm(p, "tariff", f, t.ID)
	http.Redirect(w, r, "/ui/admin/tariffs?done=tariff", http.StatusSeeOther)
}
