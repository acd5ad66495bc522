package main

import (
	"fmt"
	"io"
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
