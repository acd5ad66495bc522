package main

import (
	"io"
	"slices"
	"strings"
	"testing"
)

// --smtp-url, --mail-from and --reminder-days are checked at start-up, from flags or the environment;
// no message, nor the help, repeats the SMTP password.
func TestNotifyFlags(t *testing.T) {
	t.Parallel()
	const secret = "Pa55-word"
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := parseServe(nil, io.Discard, env(nil))
	if err != nil || c.SMTP != nil || !slices.Equal(c.ReminderDays, []int{60, 30, 14, 7, 1}) {
		t.Fatalf("defaults: %+v %v", c.notifyConfig, err)
	}
	c, err = parseServe([]string{"--reminder-days", "7,30"}, io.Discard, env(map[string]string{
		"KCR_SMTP_URL": "smtps://kcr:" + secret + "@mail.example.ru", "KCR_MAIL_FROM": "УЦ <noreply@example.ru>"}))
	if err != nil || c.SMTP == nil || c.SMTP.Port != 465 || c.From.Address != "noreply@example.ru" || !slices.Equal(c.ReminderDays, []int{30, 7}) {
		t.Fatalf("from the environment: %+v %v", c.notifyConfig, err)
	}
	if d := describeSMTP(&c.notifyConfig); strings.Contains(d, secret) || !strings.Contains(d, "30,7") {
		t.Fatalf("start-up line %q", d)
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--smtp-url", "smtp://kcr:" + secret + "@mail.example.ru"}, map[string]string{"KCR_MAIL_FROM": "a@b.ru"}, "--smtp-url"},
		{[]string{"--smtp-url", "smtp://kcr:" + secret + "@mail.example.ru:x?starttls=1"}, map[string]string{"KCR_MAIL_FROM": "a@b.ru"}, "--smtp-url"},
		{nil, map[string]string{"KCR_SMTP_URL": "smtps://kcr:" + secret + "@mail.example.ru"}, "--mail-from"},
		{[]string{"--mail-from", "not an address"}, map[string]string{"KCR_SMTP_URL": "smtps://kcr:" + secret + "@h"}, "--mail-from"},
		{[]string{"--mail-from", "a@b.ru"}, nil, "--mail-from needs --smtp-url"},
		{[]string{"--reminder-days", "30,0"}, nil, "--reminder-days"},
	} {
		_, err := parseServe(tc.args, io.Discard, env(tc.env))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), secret) {
			t.Errorf("%v %v: %v, want an error naming %s without the password", tc.args, tc.env, err, tc.want)
		}
	}
	code, out := runCmd(t, map[string]string{"KCR_SMTP_URL": "smtps://kcr:" + secret + "@h"}, "serve", "--help")
	if code != 0 || strings.Contains(out, secret) || !strings.Contains(out, "KCR_SMTP_URL") {
		t.Fatalf("serve --help: %d, shows the password or lacks KCR_SMTP_URL:\n%s", code, out)
	}
}
