package api_test

import (
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/model"
)

func TestZZProbe(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	e.clk.Set(msk(2021, time.December, 1, 10, 0))
	lrInitCA(t, e, "", ca.DefaultProfile())
	lrInitCA(t, e, "fns", ca.DefaultProfile())
	e.clk.Set(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	center := e.serviceCenter(t)
	a := e.newApp(t, e.empA.ID, model.KindIndividual, nil)
	e.prepare(t, a.ID, "key_account", model.VerifiedInPersonWorkplace, center)
	t.Logf("workplace with center: %+v", e.getApp(t, a.ID).Verification)

	e.clk.Set(msk(2021, time.December, 30, 10, 0))
	h := e.newApp(t, e.empA.ID, model.KindHead, nil)
	e.prepare(t, h.ID, "key_account", model.VerifiedInPersonWorkplace, "")
	e.clk.Set(msk(2022, time.January, 10, 10, 0))
	r := e.do("key_account", "POST", "/api/v1/applications/"+h.ID+"/approve", nil)
	t.Logf("approve head across 2022: %d %s", r.status, r.body)
	r = e.do("key_account", "POST", "/api/v1/applications/"+h.ID+"/issue", nil)
	t.Logf("issue head across 2022: %d %s", r.status, r.body)

	e.clk.Set(msk(2023, time.August, 30, 10, 0))
	l := e.newApp(t, e.empA.ID, model.KindLegalEntityEmployee, nil)
	e.clk.Set(msk(2023, time.September, 2, 10, 0))
	e.uploadCSR(t, l.ID)
	g := e.getApp(t, l.ID)
	t.Logf("csr after cutoff: kind %s history %+v", g.Kind, g.History)

	e.clk.Set(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	id := e.approvedApp(t)
	s := e.appCall(t, 200, "key_account", "POST", "/api/v1/applications/"+id+"/issue", nil).CertificateSerial
	r1 := e.do("key_account", "POST", "/api/v1/certificates/"+s+"/reissue", nil)
	r2 := e.do("key_account", "POST", "/api/v1/certificates/"+s+"/reissue", nil)
	t.Logf("double reissue: %d %d", r1.status, r2.status)
	r = e.do("key_account", "POST", "/api/v1/certificates/"+s+"/reissue", map[string]any{"recipient": "bogus"})
	t.Logf("bogus recipient: %d %s", r.status, r.body)
}
