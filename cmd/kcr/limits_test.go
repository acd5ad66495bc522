package main

import (
	"fmt"
	"io"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
)

func TestLimitsConfig(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := parseServe(nil, io.Discard, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Limits, access.DefaultLimits) {
		t.Errorf("defaults %+v, want %+v", c.Limits, access.DefaultLimits)
	}
	c, err = parseServe([]string{"--login-failures", "3", "--login-lockout", "5m", "--trusted-proxies", "10.0.0.0/8, 192.0.2.7"}, io.Discard,
		env(map[string]string{"KCR_LOGIN_HASHES": "4", "KCR_LOGIN_FAILURES": "9", "KCR_LOGIN_WINDOW": "1h"}))
	if err != nil {
		t.Fatal(err)
	}
	if l := c.Limits; l.HashConcurrency != 4 || l.LoginFailures != 3 || l.FailureWindow != time.Hour || l.Lockout != 5*time.Minute ||
		fmt.Sprint(l.TrustedProxies) != "[10.0.0.0/8 192.0.2.7/32]" {
		t.Errorf("limits %+v", l)
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--login-hashes", "0"}, nil, "--login-hashes"},
		{[]string{"--token-failures", "-1"}, nil, "--token-failures"},
		{nil, map[string]string{"KCR_LOGIN_WINDOW": "a while"}, "KCR_LOGIN_WINDOW"},
		{[]string{"--login-lockout", "0s"}, nil, "--login-lockout"},
		{nil, map[string]string{"KCR_TRUSTED_PROXIES": "proxy.local"}, "--trusted-proxies"},
	} {
		if _, err := parseServe(tc.args, io.Discard, env(tc.env)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: %v, want an error naming %s", tc.args, tc.env, err, tc.want)
		}
	}
}

func TestAdmissionConfig(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := parseServe(nil, io.Discard, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxActive != defaultMaxActive || c.AdmitWait != 30*time.Second {
		t.Errorf("defaults: --max-active %d, --admit-wait %s", c.MaxActive, c.AdmitWait)
	}
	c, err = parseServe([]string{"--admit-wait", "5s"}, io.Discard, env(map[string]string{"KCR_MAX_ACTIVE": "0"}))
	if err != nil || c.MaxActive != 0 || c.AdmitWait != 5*time.Second {
		t.Errorf("--max-active 0 (no bound), --admit-wait 5s: %+v %v", c, err)
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--max-active", "-1"}, nil, "--max-active"},
		{[]string{"--admit-wait", "10ms"}, nil, "--admit-wait"},
		{nil, map[string]string{"KCR_MAX_ACTIVE": "many"}, "KCR_MAX_ACTIVE"},
		{nil, map[string]string{"KCR_ADMIT_WAIT": "a while"}, "KCR_ADMIT_WAIT"},
	} {
		if _, err := parseServe(tc.args, io.Discard, env(tc.env)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: %v, want an error naming %s", tc.args, tc.env, err, tc.want)
		}
	}
}

func TestPublicAndWebRequests(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		path        string
		public, web bool
	}{
		{"/ocsp", true, false},
		{"/ocsp/MEIwQDA", true, false},
		{"/crl/kcr-ca.crl", true, false},
		{"/ca/kcr-root.crt", true, false},
		{"/healthz", true, false},
		{"/static/style.css", true, false},
		{"/registry/mchd/status?guid=0c9f6f0e-3d1c-4f6e-9a59-2b8a6c1d7e42", true, false},
		{"/api/v1/applications", false, false},
		{"/ui/certificates", false, true},
		{"/login", false, true},
		{"/ocspx", false, false},
	} {
		r := httptest.NewRequest("GET", tc.path, nil)
		if publicRequest(r) != tc.public || webRequest(r) != tc.web {
			t.Errorf("%s: public %v, web %v; want %v, %v", tc.path, publicRequest(r), webRequest(r), tc.public, tc.web)
		}
	}
}
