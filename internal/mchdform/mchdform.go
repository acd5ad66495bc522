// Package mchdform prints the human-readable form of a machine-readable power of attorney (МЧД): an A4
// "Доверенность" with the numbers and dates, the grantor, the head who signed it, the representative, the
// conditions, every power with its restrictions, the status as kcr knows it and the status URL as text and a
// QR code. The form is a picture of the ЕМЧД file, which alone has legal force; it shows the personal data
// whole because the head signed exactly these data. The same input always gives the same bytes.
package mchdform

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/rules"
)

// Status is what the form shows that is not in the document itself: where the power of attorney is in its
// life. The zero Status prints the state as not given; the status URL still comes from the document.
type Status struct {
	// State is printed in Russian words (see StateWord).
	State mchd.State
	// At is when the status was read, printed as "по состоянию на"; zero leaves it out. It also dates the
	// PDF, so a form printed from the same data at the same moment has the same bytes.
	At time.Time
	// RegisteredAt is when the registry accepted the power of attorney; zero when it has not.
	RegisteredAt time.Time
	// RevokedAt is when it was revoked; zero when it was not.
	RevokedAt time.Time
	// Reason is the revocation reason for a revoked power of attorney and the registry's reason for a
	// rejected one, as mchd.Record keeps it.
	Reason string
	// StatusURL is where the status can be checked; empty means the document's own (СведСист).
	StatusURL string
}

// stateWords are the states as the form and a Russian reader name them: the power of attorney is feminine.
var stateWords = map[mchd.State]string{
	mchd.StateDraft:             "черновик",
	mchd.StateAwaitingSignature: "ожидает подписи",
	mchd.StateSigned:            "подписана",
	mchd.StateRegistered:        "зарегистрирована",
	mchd.StateRejected:          "отклонена",
	mchd.StateRevoked:           "отозвана",
	mchd.StateExpired:           "истекла",
}

// StateWord is a state in Russian words ("зарегистрирована"); an unknown state gives "".
func StateWord(s mchd.State) string { return stateWords[s] }

// Render prints the form of doc with its status. doc is printed as given (a stored power of attorney was
// validated when it was drafted); Render refuses only what it cannot print: no document, or a state
// outside mchd.States.
func Render(doc *mchd.Document, st Status) (out []byte, err error) {
	if doc == nil {
		return nil, errors.New("mchdform: no document")
	}
	if st.State != "" && StateWord(st.State) == "" {
		return nil, fmt.Errorf("mchdform: unknown state %q", st.State)
	}
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("mchdform: rendering the power of attorney %s: %v", doc.Number, p)
		}
	}()
	dated := st.At
	if dated.IsZero() {
		dated = doc.IssueDate
	}
	if dated.IsZero() {
		// fpdf would date the file now, and the same input would no longer give the same bytes.
		dated = time.Unix(0, 0)
	}
	f := newForm(doc, dated)
	f.title(doc, st)
	f.details(doc)
	f.grantor(&doc.Grantor)
	f.section("Лицо, действующее от имени доверителя без доверенности")
	f.person(&doc.Head, true)
	f.section("Представитель")
	f.person(&doc.Representative, false)
	f.conditions(doc)
	f.powers(doc.Powers)
	if text := strings.TrimSpace(doc.PowersText); text != "" {
		f.section("Полномочия в свободной форме")
		f.text(text)
	}
	url := st.StatusURL
	if url == "" {
		url = doc.StatusURL
	}
	f.status(st, url)

	if err := f.pdf.Error(); err != nil {
		return nil, fmt.Errorf("mchdform: rendering the power of attorney %s: %w", doc.Number, err)
	}
	var buf bytes.Buffer
	if err := f.pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("mchdform: writing the power of attorney %s: %w", doc.Number, err)
	}
	return buf.Bytes(), nil
}

// StatusOf is the status of a stored power of attorney as read at the moment at: its state, when its history
// first shows it registered, its revocation date, and the reason of a revocation or a rejection.
func StatusOf(rec *mchd.Record, history []mchd.HistoryEntry, at time.Time) Status {
	st := Status{State: rec.State, At: at}
	for _, h := range history {
		if h.To == mchd.StateRegistered && (st.RegisteredAt.IsZero() || h.At.Before(st.RegisteredAt)) {
			st.RegisteredAt = h.At
		}
	}
	if rec.RevokedAt != nil {
		st.RevokedAt = *rec.RevokedAt
	}
	if rec.State == mchd.StateRevoked || rec.State == mchd.StateRejected {
		st.Reason = rec.Reason
	}
	return st
}

// RenderRecord prints a stored power of attorney from its exact file bytes, so the form shows what the head
// signed (or will sign), with the status StatusOf gives. A file that does not read back is an error of the
// kind mchd.Parse gives.
func RenderRecord(rec *mchd.Record, history []mchd.HistoryEntry, at time.Time) ([]byte, error) {
	doc, err := mchd.Parse(rec.XML)
	if err != nil {
		return nil, fmt.Errorf("mchdform: reading the file of the power of attorney %s: %w", rec.Number, err)
	}
	return Render(doc, StatusOf(rec, history, at))
}

func (f *form) title(doc *mchd.Document, st Status) {
	p := f.pdf
	p.SetFont(document.FontFamily, "B", 15)
	p.CellFormat(contentW, 7, "ДОВЕРЕННОСТЬ", "", 1, "C", false, 0, "")
	p.SetFont(document.FontFamily, "B", 10)
	p.MultiCell(contentW, 5, "№ "+document.Clean(doc.Number), "", "C", false)
	p.SetFont(document.FontFamily, "", smallPt)
	p.SetTextColor(90, 90, 90)
	p.MultiCell(contentW, smallLineH, document.Clean("Печатная форма машиночитаемой доверенности в электронной форме (формат ЕМЧД 003). "+
		"Юридическую силу имеет файл "+mchd.FileName(doc)+", подписанный квалифицированной электронной подписью лица, "+
		"действующего от имени доверителя без доверенности."), "", "C", false)
	p.SetTextColor(0, 0, 0)
	if word := StateWord(st.State); word != "" {
		p.Ln(1)
		p.SetFont(document.FontFamily, "B", 9.5)
		r, g, b := stateColor(st.State)
		p.SetTextColor(r, g, b)
		p.CellFormat(contentW, 5, "Статус: "+word, "", 1, "C", false, 0, "")
		p.SetTextColor(0, 0, 0)
	}
	p.SetFont(document.FontFamily, "", bodyPt)
	p.Ln(2)
}

// stateColor is green for a registered power of attorney, red for one that authorizes nobody any more, and
// amber for one that does not yet.
func stateColor(s mchd.State) (r, g, b int) {
	switch s {
	case mchd.StateRegistered:
		return 20, 110, 40
	case mchd.StateRevoked, mchd.StateRejected, mchd.StateExpired:
		return 180, 20, 20
	default:
		return 120, 90, 0
	}
}

func (f *form) details(doc *mchd.Document) {
	f.section("Сведения о доверенности")
	f.row("Номер доверенности", doc.Number)
	f.row("Внутренний номер", doc.InternalNumber)
	f.row("Дата выдачи", date(doc.IssueDate))
	if !doc.EndDate.IsZero() {
		f.row("Срок действия", "по "+date(doc.EndDate)+" включительно")
	}
}

func (f *form) grantor(o *mchd.Organization) {
	f.section("Доверитель")
	f.row("Наименование", o.Name)
	f.row("ИНН", o.INN)
	f.row("КПП", o.KPP)
	f.row("ОГРН", o.OGRN)
	address := o.Address
	if o.Region != "" && address != "" {
		address += " (код региона " + o.Region + ")"
	}
	f.row("Адрес", address)
}

func (f *form) person(p *mchd.Person, head bool) {
	f.row("ФИО", fullName(p))
	if head {
		f.row("Должность", p.Position)
	}
	f.row("СНИЛС", snils(p.SNILS))
	f.row("ИНН", p.INN)
	if !p.BirthDate.IsZero() {
		f.row("Дата рождения", date(p.BirthDate))
	}
}

func (f *form) conditions(doc *mchd.Document) {
	f.section("Условия доверенности")
	f.row("Вид доверенности", kindWord(doc.Kind))
	f.row("Условие отмены", doc.RevocationCondition)
	f.row("Передоверие", retrustWord(doc.Retrust))
}

func (f *form) powers(list []mchd.Power) {
	if len(list) == 0 {
		return
	}
	// The title, the column titles and the first power stay together.
	f.ensure(sectionH + 5*lineH + 4)
	f.section("Полномочия (машиночитаемые, по классификатору полномочий)")
	f.tableHeader()
	f.cont = f.tableHeader
	defer func() { f.cont = nil }()
	for i, pw := range list {
		desc := []string{pw.Name}
		for _, r := range pw.Restrictions {
			desc = append(desc, "Ограничение «"+r.Name+"» ("+r.Code+"): "+r.Value)
		}
		f.block([]column{
			{x: 0, w: numW, text: []string{strconv.Itoa(i + 1)}},
			{x: numW, w: codeW, text: []string{pw.Code}},
			{x: numW + codeW, w: contentW - numW - codeW, text: desc},
		})
	}
}

// status draws the status box; the URL becomes a link and a QR code only when it is a web address, so a
// stored value of another scheme can never make the printed form open something else.
func (f *form) status(st Status, url string) {
	web, qr := webURL(url), qrMatrix(url)
	valueW := contentW - labelW
	if qr != nil {
		valueW -= qrSide + 4
		f.ensure(qrSide + 2*lineH + 8)
	}
	f.section("Статус доверенности")
	top, page := f.pdf.GetY(), f.pdf.PageNo()
	boxTop := top - sectionH
	word := StateWord(st.State)
	if word == "" {
		word = "не указан"
	}
	f.rowW("Статус", word, valueW)
	if !st.At.IsZero() {
		f.rowW("По состоянию на", st.At.In(rules.MSK).Format("02.01.2006 15:04")+" (МСК)", valueW)
	}
	if !st.RegisteredAt.IsZero() {
		f.rowW("Дата регистрации в реестре", date(st.RegisteredAt), valueW)
	}
	if !st.RevokedAt.IsZero() {
		f.rowW("Дата отзыва", date(st.RevokedAt), valueW)
	}
	reason := "Причина"
	switch st.State {
	case mchd.StateRevoked:
		reason = "Причина отзыва"
	case mchd.StateRejected:
		reason = "Причина отказа в регистрации"
	}
	f.rowW(reason, st.Reason, valueW)
	// A long URL wraps in its column, so it is a link too: copying it from the page would split it.
	urlTop, urlPage := f.pdf.GetY(), f.pdf.PageNo()
	f.rowW("Проверка статуса", url, valueW)
	if web && f.pdf.PageNo() == urlPage {
		f.pdf.LinkString(marginL+labelW, urlTop, valueW, f.pdf.GetY()-urlTop, url)
	}
	if qr != nil && f.pdf.PageNo() == page {
		drawQR(f.pdf, qr, marginL+contentW-qrSide, top+1.5, qrSide)
		f.pdf.LinkString(marginL+contentW-qrSide, top+1.5, qrSide, qrSide, url)
		f.pdf.SetY(max(f.pdf.GetY(), top+qrSide+3))
	}
	if f.pdf.PageNo() == page {
		f.pdf.SetDrawColor(120, 120, 120)
		// The box frames the status with its title, the one part of the form that changes after signing.
		f.pdf.Rect(marginL, boxTop, contentW, f.pdf.GetY()-boxTop, "D")
		f.pdf.SetDrawColor(0, 0, 0)
	}
}

func kindWord(k mchd.Kind) string {
	switch k {
	case mchd.KindOrdinary:
		return "обычная (может быть отменена доверителем)"
	case mchd.KindIrrevocable:
		return "безотзывная"
	}
	return "код " + string(k)
}

func retrustWord(r mchd.Retrust) string {
	switch r {
	case mchd.RetrustNone:
		return "без права передоверия"
	case mchd.RetrustOnce:
		return "с правом однократного передоверия"
	case mchd.RetrustChained:
		return "с правом передоверия с последующим передоверием"
	}
	return "код " + string(r)
}

func fullName(p *mchd.Person) string {
	return strings.Join(strings.Fields(p.LastName+" "+p.FirstName+" "+p.MiddleName), " ")
}

// snils spells 11 digits the way the document and the СНИЛС card do: "123-456-789 01".
func snils(s string) string {
	if len(s) != 11 || strings.Trim(s, "0123456789") != "" {
		return s
	}
	return s[0:3] + "-" + s[3:6] + "-" + s[6:9] + " " + s[9:11]
}

// date is a Moscow calendar date, the way every date of a power of attorney is read; zero gives "".
func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(rules.MSK).Format("02.01.2006")
}
