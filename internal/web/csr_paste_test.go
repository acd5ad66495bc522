package web

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// pasteCSR posts the request form as a browser does when no file is chosen and text is pasted.
func (b *browser) pasteCSR(path, text string) reply {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("csr", "")
	must(b.t, err)
	_, _ = fw.Write(nil)
	must(b.t, mw.WriteField("csr_text", text))
	must(b.t, mw.Close())
	req, err := http.NewRequest("POST", b.base+path, &buf)
	must(b.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.base)
	resp, err := b.c.Do(req)
	must(b.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	must(b.t, err)
	return reply{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(raw)}
}

// TestPastedCSR: the request pasted as text, bare base64 in CRLF lines as the CryptoPro browser plug-in
// returns it, is taken like an uploaded file; text that is no request is refused on the card.
func TestPastedCSR(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("registrar")
	card := "/ui/applications/" + e.appA
	contains(t, "card", b.get(card).body, `name="csr_text"`)

	r := b.pasteCSR(card+"/csr", "not a request")
	wantStatus(t, "pasted junk", r, http.StatusUnprocessableEntity)
	contains(t, "pasted junk", r.body, "не является запросом")

	block, _ := pem.Decode(testCSR(t))
	b64 := base64.StdEncoding.EncodeToString(block.Bytes)
	var lines []string
	for len(b64) > 64 {
		lines, b64 = append(lines, b64[:64]), b64[64:]
	}
	lines = append(lines, b64)
	r = b.pasteCSR(card+"/csr", strings.Join(lines, "\r\n")+"\r\n")
	wantStatus(t, "pasted base64", r, http.StatusSeeOther)
	contains(t, "pasted base64", b.get(r.location).body, "запрос на сертификат загружен.")
}
