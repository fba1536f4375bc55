package web

import (
	"fmt"
	"maps"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
)

// Languages the pages speak; Danish is the default because that is what the users
// speak.
const (
	langDA = "da"
	langEN = "en"
)

// messages maps a key to its Danish and English text. Files per area add to it from
// init with addMessages, so each page's words sit beside its handlers.
var messages = map[string][2]string{}

func addMessages(m map[string][2]string) {
	for k := range m {
		if _, dup := messages[k]; dup {
			panic("i18n: message defined twice: " + k)
		}
	}
	maps.Copy(messages, m)
}

// Lang translates for one request.
type Lang struct{ Code string }

// T returns the text of key in the language, formatted with args. A missing key shows
// itself, so it is seen and fixed rather than hidden.
func (l Lang) T(key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m[0]
	if l.Code == langEN {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// FieldLabel returns the form label of a field path ("delivery.postcode"), or the path
// itself when no label is known.
func (l Lang) FieldLabel(path string) string {
	if _, ok := messages["field."+path]; ok {
		return l.T("field." + path)
	}
	return path
}

// FieldMessage says a field error in the user's language when its rule has a
// translation, else the service's own message.
func (l Lang) FieldMessage(fe apperr.FieldError) string {
	key := "rule." + fe.Code.String()
	if m, ok := messages[key]; ok && !fe.Code.IsZero() {
		if len(fe.Args) > 0 && strings.Contains(m[0], "%") {
			return l.T(key, fe.Args[0])
		}
		return l.T(key)
	}
	return fe.Message
}

func init() {
	addMessages(map[string][2]string{
		"rule.required":             {"skal udfyldes", "is required"},
		"rule.email":                {"skal være en gyldig e-mailadresse", "must be a valid e-mail address"},
		"rule.gln":                  {"skal være 13 cifre med gyldigt GS1-kontrolciffer", "must be 13 digits with a valid GS1 check digit"},
		"rule.cpr":                  {"ligner et CPR-nummer; brug en reference, der ikke identificerer borgeren", "looks like a CPR number; use a reference that does not identify the citizen"},
		"rule.postcode":             {"skal være et dansk postnummer på fire cifre", "must be a Danish postcode of four digits"},
		"rule.code_chars":           {"må kun indeholde bogstaver, cifre, '.', '_' og '-'", "may contain only letters, digits, '.', '_' and '-'"},
		"rule.too_long":             {"må højst være %s tegn", "must be at most %s characters"},
		"rule.too_short":            {"skal være mindst %s tegn", "must be at least %s characters"},
		"rule.too_small":            {"skal være mindst %s", "must be at least %s"},
		"rule.not_above":            {"må ikke overstige antal indbyggere", "must not exceed the number of inhabitants"},
		"field.code":                {"Kode", "Code"},
		"field.name":                {"Navn", "Name"},
		"field.kind":                {"Type", "Kind"},
		"field.ean":                 {"EAN-nummer", "EAN number"},
		"field.inhabitants":         {"Indbyggere", "Inhabitants"},
		"field.inhabitants_65_plus": {"Indbyggere 65+", "Inhabitants 65+"},
		"field.email":               {"E-mail", "E-mail"},
		"field.password":            {"Adgangskode", "Password"},
		"field.role":                {"Rolle", "Role"},
		"field.member_id":           {"Medlem", "Member"},
		"field.joined_on":           {"Tilsluttet", "Joined"},
		"field.left_on":             {"Udtrådt", "Left"},
		"field.citizen_ref":         {"Borgerreference", "Citizen reference"},
		"field.delivery.name":       {"Modtagerens navn", "Recipient's name"},
		"field.delivery.street":     {"Adresse", "Street"},
		"field.delivery.postcode":   {"Postnummer", "Postcode"},
		"field.delivery.city":       {"By", "City"},
		"field.delivery.phone":      {"Telefon", "Phone"},
		"field.location_id":         {"Lokation", "Location"},
		"field.reason":              {"Begrundelse", "Reason"},
	})
	addMessages(map[string][2]string{
		"app.name":                  {"Fælles Servicecenter", "Shared Service Centre"},
		"app.tagline":               {"Back office for velfærdsteknologi", "Back office for telehealth devices"},
		"nav.dashboard":             {"Overblik", "Dashboard"},
		"nav.members":               {"Medlemmer", "Members"},
		"nav.schemes":               {"Ordninger", "Schemes"},
		"nav.users":                 {"Brugere", "Users"},
		"nav.tokens":                {"API-nøgler", "API tokens"},
		"nav.audit":                 {"Revisionsspor", "Audit trail"},
		"nav.jobs":                  {"Baggrundsjob", "Background jobs"},
		"nav.my_member":             {"Min kommune", "My municipality"},
		"nav.logout":                {"Log ud", "Log out"},
		"nav.skip":                  {"Spring til indhold", "Skip to content"},
		"lang.switch":               {"English", "Dansk"},
		"role.admin":                {"Administrator", "Administrator"},
		"role.logistics":            {"Logistik", "Logistics"},
		"role.support":              {"Support", "Support"},
		"role.finance":              {"Økonomi", "Finance"},
		"role.member":               {"Medlem", "Member"},
		"role.vendor":               {"Leverandør", "Vendor"},
		"role.system":               {"System", "System"},
		"login.title":               {"Log ind", "Log in"},
		"login.email":               {"E-mail", "E-mail"},
		"login.password":            {"Adgangskode", "Password"},
		"login.submit":              {"Log ind", "Log in"},
		"login.failed":              {"Forkert e-mail eller adgangskode.", "Wrong e-mail or password."},
		"login.limited":             {"For mange forsøg. Vent lidt, og prøv igen.", "Too many attempts. Wait a while and try again."},
		"dash.welcome":              {"Goddag, %s", "Hello, %s"},
		"dash.members":              {"Medlemmer", "Members"},
		"dash.schemes":              {"Ordninger", "Schemes"},
		"dash.users":                {"Brugere", "Users"},
		"dash.participations":       {"Aktive tilslutninger", "Active participations"},
		"dash.shortcuts":            {"Genveje", "Shortcuts"},
		"dash.notices":              {"Notifikationer", "Notifications"},
		"dash.notice_reorder":       {"%s er under genbestillingsniveau (%d af %d)", "%s is below its reorder level (%d of %d)"},
		"dash.your_member":          {"Du arbejder for %s.", "You work for %s."},
		"common.save":               {"Gem", "Save"},
		"common.cancel":             {"Annuller", "Cancel"},
		"common.create":             {"Opret", "Create"},
		"common.edit":               {"Rediger", "Edit"},
		"common.search":             {"Søg", "Search"},
		"common.filter":             {"Filtrer", "Filter"},
		"common.next":               {"Næste side", "Next page"},
		"common.first":              {"Første side", "First page"},
		"common.export":             {"Hent som Excel", "Download as Excel"},
		"common.none":               {"Intet at vise.", "Nothing to show."},
		"common.all":                {"Alle", "All"},
		"common.yes":                {"Ja", "Yes"},
		"common.no":                 {"Nej", "No"},
		"common.back":               {"Tilbage", "Back"},
		"common.actions":            {"Handlinger", "Actions"},
		"common.errors":             {"Ret venligst følgende:", "Please correct the following:"},
		"common.saved":              {"Gemt.", "Saved."},
		"error.title":               {"Noget gik galt", "Something went wrong"},
		"error.400":                 {"Forespørgslen kunne ikke læses.", "The request could not be read."},
		"error.401":                 {"Du skal logge ind.", "You need to log in."},
		"error.403":                 {"Du har ikke adgang til denne side.", "You do not have access to this page."},
		"error.404":                 {"Siden findes ikke, eller du har ikke adgang til den.", "The page does not exist, or you do not have access to it."},
		"error.409":                 {"Det kan ikke lade sig gøre i den nuværende tilstand.", "That is not possible in the current state."},
		"error.422":                 {"Oplysningerne er ikke gyldige.", "The information is not valid."},
		"error.429":                 {"For mange forsøg. Vent lidt.", "Too many attempts. Please wait."},
		"error.500":                 {"Der opstod en intern fejl. Oplys forespørgsels-id'et til support.", "An internal error occurred. Quote the request id to support."},
		"error.request_id":          {"Forespørgsels-id", "Request id"},
		"error.home":                {"Til forsiden", "Go to the dashboard"},
		"members.title":             {"Medlemmer", "Members"},
		"members.new":               {"Nyt medlem", "New member"},
		"members.code":              {"Kode", "Code"},
		"members.name":              {"Navn", "Name"},
		"members.kind":              {"Type", "Kind"},
		"members.ean":               {"EAN-nummer", "EAN number"},
		"members.inhabitants":       {"Indbyggere", "Inhabitants"},
		"members.inh65":             {"Indbyggere 65+", "Inhabitants 65+"},
		"members.kind.municipality": {"Kommune", "Municipality"},
		"members.kind.region":       {"Region", "Region"},
		"members.search_hint":       {"Navn eller kode", "Name or code"},
		"members.participations":    {"Ordninger", "Schemes"},
		"members.edit":              {"Rediger medlem", "Edit member"},
		"members.ean_hint":          {"13 cifre (GLN) til e-faktura", "13 digits (GLN) for e-invoices"},
		"members.count":             {"%d medlemmer", "%d members"},
		"part.scheme":               {"Ordning", "Scheme"},
		"part.member":               {"Medlem", "Member"},
		"part.joined":               {"Tilsluttet", "Joined"},
		"part.left":                 {"Udtrådt", "Left"},
		"part.active":               {"Aktiv", "Active"},
		"part.ended":                {"Afsluttet", "Ended"},
	})
}
