package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/mail"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLSMode is how the connection to the SMTP server is protected.
type TLSMode string

// TLS modes.
const (
	TLSNone     TLSMode = "none"     // plain SMTP (smtp://host without starttls): only without credentials
	TLSStartTLS TLSMode = "starttls" // smtp://…?starttls=1: STARTTLS is required, the server's refusal fails the send
	TLSImplicit TLSMode = "implicit" // smtps://: TLS from the first byte
)

// SMTPConfig is a parsed --smtp-url.
type SMTPConfig struct {
	Host               string
	Port               int
	Username, Password string
	TLS                TLSMode
}

// String renders the configuration without the password, for logs and messages.
func (c SMTPConfig) String() string {
	u := url.URL{Scheme: "smtp", Host: c.Host + ":" + strconv.Itoa(c.Port)}
	if c.TLS == TLSImplicit {
		u.Scheme = "smtps"
	}
	if c.Username != "" {
		u.User = url.UserPassword(c.Username, "xxxxx")
	}
	if c.TLS == TLSStartTLS {
		u.RawQuery = "starttls=1"
	}
	return u.String()
}

// ParseSMTPURL reads smtp://[user:pass@]host[:port][?starttls=1] or smtps://[user:pass@]host[:port]. Ports
// default to 587 with STARTTLS, 25 without, 465 for smtps. Credentials are refused over an unprotected
// connection. Errors never repeat the password.
func ParseSMTPURL(s string) (*SMTPConfig, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, errors.New("not a URL of the form smtp://user:pass@host:587?starttls=1 or smtps://user:pass@host:465")
	}
	c := &SMTPConfig{Host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		c.TLS = TLSNone
	case "smtps":
		c.TLS = TLSImplicit
	default:
		return nil, fmt.Errorf("scheme must be smtp or smtps, got %q", u.Scheme)
	}
	if c.Host == "" {
		return nil, errors.New("no host")
	}
	if u.Path != "" && u.Path != "/" || u.Fragment != "" || u.Opaque != "" {
		return nil, errors.New("a path or fragment has no meaning in an SMTP URL")
	}
	q := u.Query()
	for k := range q {
		if k != "starttls" {
			return nil, fmt.Errorf("unknown parameter %q (only starttls)", k)
		}
	}
	if v, ok := q["starttls"]; ok {
		if len(v) != 1 || (v[0] != "1" && v[0] != "0" && v[0] != "true" && v[0] != "false") {
			return nil, errors.New("starttls must be 1 or 0")
		}
		if v[0] == "1" || v[0] == "true" {
			if c.TLS == TLSImplicit {
				return nil, errors.New("smtps is TLS already: starttls applies to smtp:// only")
			}
			c.TLS = TLSStartTLS
		}
	}
	switch p := u.Port(); {
	case p != "":
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("port must be 1–65535, got %q", p)
		}
		c.Port = n
	case c.TLS == TLSImplicit:
		c.Port = 465
	case c.TLS == TLSStartTLS:
		c.Port = 587
	default:
		c.Port = 25
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
		if c.Username == "" {
			return nil, errors.New("a password without a user name")
		}
		if c.Password == "" {
			return nil, errors.New("a user name without a password")
		}
		if c.TLS == TLSNone {
			return nil, errors.New("credentials over an unprotected connection: use smtps:// or ?starttls=1")
		}
	}
	return c, nil
}

// ParseFrom validates --mail-from: one address, optionally with a display name.
func ParseFrom(s string) (*mail.Address, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, errors.New(`must be one address, such as "Удостоверяющий центр <noreply@example.ru>"`)
	}
	return a, nil
}

// Outgoing is one rendered message.
type Outgoing struct {
	To             string
	Subject        string
	Text, HTML     string
	UnsubscribeURL string // set on non-mandatory mail: List-Unsubscribe headers (RFC 8058)
	MessageKey     string // the outbox id, written into the Message-ID so that a duplicate is recognisable
	Attachments    []Attachment
}

// Attachment is a file sent with a message.
type Attachment struct {
	Name, ContentType string
	Data              []byte
}

// Sender hands a message to an SMTP server.
type Sender interface {
	Send(ctx context.Context, m *Outgoing) error
}

// SendError is a failed hand-over: Answer is the server's reply (or the local failure), addresses removed;
// Permanent tells that retrying cannot help (a 5xx reply).
type SendError struct {
	Answer    string
	Permanent bool
}

func (e *SendError) Error() string { return e.Answer }

// SMTPSender sends through one SMTP server, a new connection per message.
type SMTPSender struct {
	Config SMTPConfig
	From   *mail.Address
	// TLS, when set, replaces the default TLS settings (tests trust their own server's certificate with it).
	TLS     *tls.Config
	Timeout time.Duration // per connection; 30s when zero
}

// Send implements Sender.
func (s *SMTPSender) Send(ctx context.Context, o *Outgoing) error {
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(s.Config.Port), gomail.WithTimeout(timeout)}
	tlsConf := s.TLS
	if tlsConf == nil {
		tlsConf = &tls.Config{ServerName: s.Config.Host, MinVersion: tls.VersionTLS12}
	}
	switch s.Config.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSConfig(tlsConf))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory), gomail.WithTLSConfig(tlsConf))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.Config.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(s.Config.Username),
			gomail.WithPassword(s.Config.Password))
	}
	c, err := gomail.NewClient(s.Config.Host, opts...)
	if err != nil {
		return &SendError{Answer: err.Error(), Permanent: true}
	}
	m := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8))
	if err := m.FromFormat(s.From.Name, s.From.Address); err != nil {
		return &SendError{Answer: "sender address: " + err.Error(), Permanent: true}
	}
	if err := m.To(o.To); err != nil {
		return &SendError{Answer: "recipient address refused locally", Permanent: true}
	}
	m.Subject(o.Subject)
	m.SetMessageIDWithValue(o.MessageKey + "@kcr")
	m.SetDate()
	if o.UnsubscribeURL != "" {
		m.SetListUnsubscribe(o.UnsubscribeURL)
		if strings.HasPrefix(o.UnsubscribeURL, "https://") {
			m.SetListUnsubscribePost() // RFC 8058 one-click asks for HTTPS
		}
	}
	m.SetBodyString(gomail.TypeTextPlain, o.Text)
	m.AddAlternativeString(gomail.TypeTextHTML, o.HTML)
	for _, a := range o.Attachments {
		m.AttachReadSeeker(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.ContentType)))
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return classify(err)
	}
	return nil
}

// classify turns a go-mail error into a SendError: a 5xx reply is permanent, a 4xx reply or a network
// failure is worth another attempt.
func classify(err error) *SendError {
	answer := redactAddresses(err.Error())
	var se *gomail.SendError
	if errors.As(err, &se) {
		if code := se.ErrorCode(); code >= 500 {
			return &SendError{Answer: answer, Permanent: true}
		} else if code >= 400 {
			return &SendError{Answer: answer}
		}
		return &SendError{Answer: answer, Permanent: !se.IsTemp()}
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return &SendError{Answer: answer, Permanent: te.Code >= 500}
	}
	if m := replyCode.FindStringSubmatch(answer); m != nil {
		return &SendError{Answer: answer, Permanent: m[1] == "5"}
	}
	return &SendError{Answer: answer}
}

// replyCode finds an SMTP reply code in an error text whose type go-mail does not keep.
var replyCode = regexp.MustCompile(`\b([45])\d\d[ -]`)

var addressLike = regexp.MustCompile(`[^\s<>"':;,()]+@[^\s<>"':;,()]+`)

// redactAddresses removes e-mail addresses from a server's answer: it is logged and audited.
func redactAddresses(s string) string { return addressLike.ReplaceAllString(s, "<address>") }
