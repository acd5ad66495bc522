package web

// chartMessages are the catalogue's texts of the dashboard charts: month abbreviations for the bar labels
// and the captions of the y axes.
var chartMessages = map[string]string{
	"chart.month.01":   "янв",
	"chart.month.02":   "фев",
	"chart.month.03":   "мар",
	"chart.month.04":   "апр",
	"chart.month.05":   "май",
	"chart.month.06":   "июн",
	"chart.month.07":   "июл",
	"chart.month.08":   "авг",
	"chart.month.09":   "сен",
	"chart.month.10":   "окт",
	"chart.month.11":   "ноя",
	"chart.month.12":   "дек",
	"chart.axis_certs": "сертификатов",
	"chart.axis_rub":   "₽ с НДС",
}

func init() {
	for k, v := range chartMessages {
		messages[k] = v
	}
}
