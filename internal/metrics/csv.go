package metrics

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"time"
)

// utf8BOM makes Excel read the file as UTF-8 rather than the ANSI code page.
const utf8BOM = "\ufeff"

// CSVHeader is the header row of CSV without the columns of figures kcr cannot compute yet.
var CSVHeader = []string{"Месяц", "Месяц не завершён", "Сертификатов с окончанием срока", "Перевыпущено до окончания",
	"Доля перевыпущенных, %", "Истекло без перевыпуска", "Выдано по заявкам", "Медиана дней от заявки до выдачи",
	"Сертификатов сотрудников", "Из них физлиц, привязанных к организации", "Доля привязанных, %", "Устаревших в обращении"}

// The extension columns, present when their source is.
var (
	csvReminderColumn = "Медиана дней от первого напоминания до перевыпуска"
	csvReachColumns   = []string{"Получателей рассылок", "Доставлено", "Прочитано в интерфейсе"}
)

// monthsRU are the months' names in the nominative, for "декабрь 2026".
var monthsRU = [12]string{"январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
	"ноябрь", "декабрь"}

// MonthRU names a "2006-01" period in Russian: "декабрь 2026"; anything else is returned as it is.
func MonthRU(period string) string {
	t, err := time.Parse("2006-01", period)
	if err != nil {
		return period
	}
	return monthsRU[t.Month()-1] + " " + t.Format("2006")
}

// CSV exports the report for a spreadsheet as kcr's other exports do: UTF-8 with a BOM, ';' as the
// separator, CRLF line ends, one row per month, oldest first. Shares are percentages and medians days,
// with a decimal comma ("75,0"), so that Excel under a Russian locale reads them as numbers; a figure that
// does not exist for the month (a share of nothing, a legacy count before the rule) is an empty cell.
func CSV(rep *Report) []byte {
	reminders := !slices.Contains(rep.Unavailable, "median_days_reminder_to_reissue")
	reach := !slices.Contains(rep.Unavailable, "mailing_reach")
	header := slices.Clone(CSVHeader)
	if reminders {
		header = append(header, csvReminderColumn)
	}
	if reach {
		header = append(header, csvReachColumns...)
	}
	var buf bytes.Buffer
	buf.WriteString(utf8BOM)
	w := csv.NewWriter(&buf)
	w.Comma = ';'
	w.UseCRLF = true
	// Writing to a bytes.Buffer cannot fail, so the errors of Write are not checked.
	_ = w.Write(header)
	for _, m := range rep.Months {
		partial := "нет"
		if m.Partial {
			partial = "да"
		}
		legacy := ""
		if m.LegacyInUse != nil {
			legacy = strconv.Itoa(*m.LegacyInUse)
		}
		row := []string{MonthRU(m.Period), partial, strconv.Itoa(m.Due), strconv.Itoa(m.ReissuedBeforeEnd),
			percent(m.ReissuedShare), strconv.Itoa(m.ExpiredWithoutReissue), strconv.Itoa(m.Issued), decimal(m.MedianDaysToIssue),
			strconv.Itoa(m.EmployeeCertificates), strconv.Itoa(m.LinkedIndividual), percent(m.LinkedShare), legacy}
		if reminders {
			row = append(row, decimal(m.MedianDaysReminderToReissue))
		}
		if reach {
			var r Reach
			if m.MailingReach != nil {
				r = *m.MailingReach
			}
			row = append(row, strconv.Itoa(r.Recipients), strconv.Itoa(r.Delivered), strconv.Itoa(r.Opened))
		}
		_ = w.Write(row)
	}
	w.Flush()
	return buf.Bytes()
}

// percent is a share as a percentage to a tenth with a decimal comma ("75,0"), "" when there is none.
func percent(v *float64) string {
	if v == nil {
		return ""
	}
	return strings.Replace(strconv.FormatFloat(*v*100, 'f', 1, 64), ".", ",", 1)
}

// decimal is a number of days to a tenth with a decimal comma ("3,5"), "" when there is none.
func decimal(v *float64) string {
	if v == nil {
		return ""
	}
	return strings.Replace(strconv.FormatFloat(*v, 'f', 1, 64), ".", ",", 1)
}
