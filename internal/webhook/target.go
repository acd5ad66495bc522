package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"

	"github.com/kcr-project/kcr/internal/errs"
)

// ValidateURL checks an endpoint URL: absolute https with a host name or public address, no user
// information, no fragment. With allowLocalhost (tests and demos) http and https to localhost, 127.0.0.1 and
// [::1] are also accepted. Addresses a name resolves to are checked at connection time (see dialControl).
func ValidateURL(raw string, allowLocalhost bool) error {
	if msg := urlProblem(raw, allowLocalhost); msg != "" {
		return errs.Field("url", "invalid", msg)
	}
	return nil
}

// urlProblem says what is wrong with an endpoint URL, "" when nothing.
func urlProblem(raw string, allowLocalhost bool) string {
	if len(raw) > 2000 {
		return "must be at most 2000 characters"
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return "must be an absolute https URL"
	}
	if u.User != nil {
		return "must not carry credentials: kcr signs every delivery instead"
	}
	if u.Fragment != "" {
		return "must not have a fragment"
	}
	host := u.Hostname()
	if allowLocalhost && isLocalhost(host) {
		if u.Scheme != "https" && u.Scheme != "http" {
			return "must be an http or https URL"
		}
		return ""
	}
	if u.Scheme != "https" {
		return "must be an https URL"
	}
	if addr, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if !publicAddr(addr) {
			return "must not point at a private, loopback or link-local address"
		}
	} else if isLocalhost(host) || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return "must not point at this machine"
	}
	return ""
}

func isLocalhost(host string) bool {
	switch strings.ToLower(host) {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}

// publicAddr reports whether an address is one a delivery may go to: not loopback, private (RFC 1918, ULA),
// link-local (cloud metadata services live there), multicast, unspecified, CGNAT or IPv4-mapped private.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsMulticast() ||
		a.IsUnspecified() || a.IsInterfaceLocalMulticast() {
		return false
	}
	return !cgnat.Contains(a) && !thisNetwork.Contains(a)
}

var (
	cgnat       = netip.MustParsePrefix("100.64.0.0/10")
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")
)

var errForbiddenTarget = errors.New("refused: the endpoint resolves to a private, loopback or link-local address")

// dialControl refuses a connection to a non-public address, after name resolution, so a name that resolves
// (or is re-pointed) to an internal address reaches nothing inside. Loopback is let through only when
// allowLocalhost is set.
func dialControl(allowLocalhost bool) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("webhook target %s: %w", address, err)
		}
		if allowLocalhost && ap.Addr().Unmap().IsLoopback() {
			return nil
		}
		if !publicAddr(ap.Addr()) {
			return errForbiddenTarget
		}
		return nil
	}
}

// dialContext dials through dialControl.
func dialContext(allowLocalhost bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return (&net.Dialer{Control: dialControl(allowLocalhost)}).DialContext
}
