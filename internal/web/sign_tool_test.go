package web

import (
	"net/http"
	"net/url"
	"testing"
)

// The wizard offers the certified crypto tools; the chosen one goes into the application, an unknown
// one is refused on the form.
func TestWizardSignTool(t *testing.T) {
	e := newEnv(t)
	oa := e.browser()
	oa.login("org_admin")
	r := oa.get("/ui/applications/new?employee=" + e.empA)
	wantStatus(t, "step 2", r, 200)
	contains(t, "step 2", r.body, `name="sign_tool"`, "как указано в запросе на сертификат", `СКЗИ &#34;Рутокен ЭЦП 2.0&#34;`)

	r = oa.do("POST", "/ui/applications/new", url.Values{"employee": {e.empA}, "kind": {"individual"}, "sign_tool": {"Самописный CSP"}})
	wantStatus(t, "unknown tool", r, http.StatusUnprocessableEntity)
	contains(t, "unknown tool", r.body, `data-field="sign_tool"`)

	r = oa.do("POST", "/ui/applications/new", url.Values{"employee": {e.empA}, "kind": {"individual"}, "sign_tool": {`СКЗИ "Рутокен ЭЦП 2.0"`}})
	wantStatus(t, "create", r, http.StatusSeeOther)
}
