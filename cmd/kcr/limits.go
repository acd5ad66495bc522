package main

import (
	"flag"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/access"
)

// limitsConfig bounds sign-in: concurrent password hashes and how many wrong credentials are tolerated.
// Each process keeps its own counts.
type limitsConfig struct {
	Limits  access.Limits
	proxies string
}

func (c *limitsConfig) register(fs *flag.FlagSet, getenv func(string) string) error {
	d := access.DefaultLimits
	c.Limits = d
	ints := []struct {
		to        *int
		name, env string
		def       int
		usage     string
	}{
		{&c.Limits.HashConcurrency, "login-hashes", "KCR_LOGIN_HASHES", d.HashConcurrency, "password hashes (64 MiB each) run at once"},
		{&c.Limits.LoginFailures, "login-failures", "KCR_LOGIN_FAILURES", d.LoginFailures, "wrong passwords per login before it is locked"},
		{&c.Limits.AddressFailures, "login-address-failures", "KCR_LOGIN_ADDRESS_FAILURES", d.AddressFailures,
			"wrong passwords per client address before it is locked"},
		{&c.Limits.TokenFailures, "token-failures", "KCR_TOKEN_FAILURES", d.TokenFailures,
			"wrong API keys or session tokens per client address before it is locked"},
	}
	for _, f := range ints {
		v, err := envInt(getenv, f.env, f.def)
		if err != nil {
			return err
		}
		fs.IntVar(f.to, f.name, v, f.usage+" (env "+f.env+")")
	}
	durs := []struct {
		to        *time.Duration
		name, env string
		def       time.Duration
		usage     string
	}{
		{&c.Limits.FailureWindow, "login-window", "KCR_LOGIN_WINDOW", d.FailureWindow, "period over which the failure counts refill"},
		{&c.Limits.Lockout, "login-lockout", "KCR_LOGIN_LOCKOUT", d.Lockout, "shortest lock; repeated locks double it, up to an hour"},
	}
	for _, f := range durs {
		v, err := envDuration(getenv, f.env, f.def)
		if err != nil {
			return err
		}
		fs.DurationVar(f.to, f.name, v, f.usage+" (env "+f.env+")")
	}
	fs.StringVar(&c.proxies, "trusted-proxies", getenv("KCR_TRUSTED_PROXIES"), "comma-separated addresses or CIDR ranges of reverse "+
		"proxies whose X-Forwarded-For names the client; empty: count failures by the connection's address (env KCR_TRUSTED_PROXIES)")
	return nil
}

func (c *limitsConfig) validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"--login-hashes", c.Limits.HashConcurrency}, {"--login-failures", c.Limits.LoginFailures},
		{"--login-address-failures", c.Limits.AddressFailures}, {"--token-failures", c.Limits.TokenFailures}} {
		if f.v < 1 {
			return usageError{fmt.Sprintf("%s must be at least 1", f.name)}
		}
	}
	if c.Limits.FailureWindow < time.Second || c.Limits.Lockout < time.Second {
		return usageError{"--login-window and --login-lockout must be at least 1s"}
	}
	c.Limits.TrustedProxies = nil
	for _, p := range strings.Split(c.proxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			ip, ierr := netip.ParseAddr(p)
			if ierr != nil {
				return usageError{fmt.Sprintf("--trusted-proxies %q: must be an IP address or a CIDR range", p)}
			}
			prefix = netip.PrefixFrom(ip, ip.BitLen())
		}
		c.Limits.TrustedProxies = append(c.Limits.TrustedProxies, prefix.Masked())
	}
	return nil
}
