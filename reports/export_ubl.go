package reports

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/money"
)

// The OIOUBL 2.02 e-invoice (UBL 2.0 syntax) of one member's statement: an Invoice, or
// a CreditNote for a negative total, with one line per statement line, VAT at the
// centre's rate and amounts in kroner with two decimals.
const (
	nsInvoice    = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
	nsCreditNote = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
	nsCAC        = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
	nsCBC        = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
)

type ublDoc struct {
	XMLName                 xml.Name
	XmlnsCAC                string      `xml:"xmlns:cac,attr"`
	XmlnsCBC                string      `xml:"xmlns:cbc,attr"`
	UBLVersionID            string      `xml:"cbc:UBLVersionID"`
	CustomizationID         string      `xml:"cbc:CustomizationID"`
	ProfileID               schemed     `xml:"cbc:ProfileID"`
	ID                      string      `xml:"cbc:ID"`
	IssueDate               string      `xml:"cbc:IssueDate"`
	InvoiceTypeCode         *listed     `xml:"cbc:InvoiceTypeCode,omitempty"`
	Note                    string      `xml:"cbc:Note,omitempty"`
	DocumentCurrencyCode    string      `xml:"cbc:DocumentCurrencyCode"`
	AccountingSupplierParty ublParty    `xml:"cac:AccountingSupplierParty"`
	AccountingCustomerParty ublParty    `xml:"cac:AccountingCustomerParty"`
	TaxTotal                ublTaxTotal `xml:"cac:TaxTotal"`
	LegalMonetaryTotal      ublMonetary `xml:"cac:LegalMonetaryTotal"`
	InvoiceLines            []ublLine   `xml:"cac:InvoiceLine,omitempty"`
	CreditNoteLines         []ublLine   `xml:"cac:CreditNoteLine,omitempty"`
}

type schemed struct {
	SchemeAgencyID string `xml:"schemeAgencyID,attr,omitempty"`
	SchemeID       string `xml:"schemeID,attr,omitempty"`
	Value          string `xml:",chardata"`
}

type listed struct {
	ListAgencyID string `xml:"listAgencyID,attr"`
	ListID       string `xml:"listID,attr"`
	Value        string `xml:",chardata"`
}

type amount struct {
	CurrencyID string `xml:"currencyID,attr"`
	Value      string `xml:",chardata"`
}

type quantity struct {
	UnitCode string `xml:"unitCode,attr"`
	Value    int64  `xml:",chardata"`
}

type ublParty struct {
	Party struct {
		EndpointID          schemed   `xml:"cbc:EndpointID"`
		PartyIdentification *schemedW `xml:"cac:PartyIdentification,omitempty"`
		PartyName           struct {
			Name string `xml:"cbc:Name"`
		} `xml:"cac:PartyName"`
		PartyLegalEntity *struct {
			RegistrationName string  `xml:"cbc:RegistrationName"`
			CompanyID        schemed `xml:"cbc:CompanyID"`
		} `xml:"cac:PartyLegalEntity,omitempty"`
	} `xml:"cac:Party"`
}

type schemedW struct {
	ID schemed `xml:"cbc:ID"`
}

type taxCategory struct {
	ID        schemed `xml:"cbc:ID"`
	Percent   string  `xml:"cbc:Percent"`
	TaxScheme struct {
		ID   schemed `xml:"cbc:ID"`
		Name string  `xml:"cbc:Name"`
	} `xml:"cac:TaxScheme"`
}

type ublTaxTotal struct {
	TaxAmount   amount `xml:"cbc:TaxAmount"`
	TaxSubtotal struct {
		TaxableAmount amount      `xml:"cbc:TaxableAmount"`
		TaxAmount     amount      `xml:"cbc:TaxAmount"`
		TaxCategory   taxCategory `xml:"cac:TaxCategory"`
	} `xml:"cac:TaxSubtotal"`
}

type ublMonetary struct {
	LineExtensionAmount amount `xml:"cbc:LineExtensionAmount"`
	TaxExclusiveAmount  amount `xml:"cbc:TaxExclusiveAmount"`
	TaxInclusiveAmount  amount `xml:"cbc:TaxInclusiveAmount"`
	PayableAmount       amount `xml:"cbc:PayableAmount"`
}

type ublLine struct {
	ID                  string    `xml:"cbc:ID"`
	InvoicedQuantity    *quantity `xml:"cbc:InvoicedQuantity,omitempty"`
	CreditedQuantity    *quantity `xml:"cbc:CreditedQuantity,omitempty"`
	LineExtensionAmount amount    `xml:"cbc:LineExtensionAmount"`
	Item                struct {
		Description string `xml:"cbc:Description"`
		Name        string `xml:"cbc:Name"`
	} `xml:"cac:Item"`
	Price struct {
		PriceAmount  amount   `xml:"cbc:PriceAmount"`
		BaseQuantity quantity `xml:"cbc:BaseQuantity"`
	} `xml:"cac:Price"`
}

func dkk(ore int64) amount { return amount{CurrencyID: "DKK", Value: money.FormatDecimal(ore)} }

// InvoiceXML returns member memberID's e-invoice of run: an Invoice whose
// LegalMonetaryTotal has the statement total as LineExtensionAmount and that plus VAT
// as PayableAmount, or a CreditNote with the magnitudes for a negative total.
func (s *Service) InvoiceXML(ctx context.Context, run *Run, memberID int64) ([]byte, error) {
	st, err := loadStatement(ctx, run, memberID)
	if err != nil {
		return nil, err
	}
	var ean string
	if err := db.Conn(ctx).Table("members").Where("id = ?", memberID).Pluck("ean", &ean).Error; err != nil {
		return nil, fmt.Errorf("member %d: %w", memberID, err)
	}
	credit := st.TotalOre < 0
	sign := int64(1)
	doc := ublDoc{XmlnsCAC: nsCAC, XmlnsCBC: nsCBC, UBLVersionID: "2.0", CustomizationID: "OIOUBL-2.02",
		ProfileID:            schemed{SchemeAgencyID: "320", SchemeID: "urn:oioubl:id:profileid-1.2", Value: "Procurement-BilSim-1.0"},
		ID:                   fmt.Sprintf("FSC-%s-%s-%d", run.Period, st.MemberCode, run.ID),
		DocumentCurrencyCode: "DKK",
		Note:                 fmt.Sprintf("Billing run %d, period %s", run.ID, run.Period)}
	issued := civil.Of(s.now())
	if run.FinalizedAt != nil {
		issued = civil.Of(*run.FinalizedAt)
	}
	doc.IssueDate = issued.String()
	if credit {
		sign = -1
		doc.XMLName = xml.Name{Local: "CreditNote"}
	} else {
		doc.XMLName = xml.Name{Local: "Invoice"}
		doc.InvoiceTypeCode = &listed{ListAgencyID: "320", ListID: "urn:oioubl:codelist:invoicetypecode-1.1", Value: "380"}
	}
	sup := &doc.AccountingSupplierParty.Party
	sup.EndpointID = schemed{SchemeAgencyID: "9", SchemeID: "GLN", Value: s.Centre.GLN}
	sup.PartyIdentification = &schemedW{ID: schemed{SchemeID: "DK:CVR", Value: "DK" + s.Centre.CVR}}
	sup.PartyName.Name = s.Centre.Name
	sup.PartyLegalEntity = &struct {
		RegistrationName string  `xml:"cbc:RegistrationName"`
		CompanyID        schemed `xml:"cbc:CompanyID"`
	}{RegistrationName: s.Centre.Name, CompanyID: schemed{SchemeID: "DK:CVR", Value: "DK" + s.Centre.CVR}}
	cus := &doc.AccountingCustomerParty.Party
	cus.EndpointID = schemed{SchemeAgencyID: "9", SchemeID: "GLN", Value: ean}
	cus.PartyName.Name = st.MemberName

	total := sign * st.TotalOre
	vat, err := money.MulDivRound(total, s.Centre.VATRateBP, 10000)
	if err != nil {
		return nil, err
	}
	payable, err := money.Add(total, vat)
	if err != nil {
		return nil, err
	}
	tt := &doc.TaxTotal
	tt.TaxAmount = dkk(vat)
	tt.TaxSubtotal.TaxableAmount, tt.TaxSubtotal.TaxAmount = dkk(total), dkk(vat)
	cat := &tt.TaxSubtotal.TaxCategory
	cat.ID = schemed{SchemeAgencyID: "320", SchemeID: "urn:oioubl:id:taxcategoryid-1.1", Value: "StandardRated"}
	cat.Percent = strings.TrimSuffix(strings.TrimRight(money.FormatDecimal(s.Centre.VATRateBP), "0"), ".")
	cat.TaxScheme.ID = schemed{SchemeAgencyID: "320", SchemeID: "urn:oioubl:id:taxschemeid-1.1", Value: "63"}
	cat.TaxScheme.Name = "Moms"
	doc.LegalMonetaryTotal = ublMonetary{LineExtensionAmount: dkk(total), TaxExclusiveAmount: dkk(vat),
		TaxInclusiveAmount: dkk(payable), PayableAmount: dkk(payable)}
	for _, l := range st.Lines {
		var ul ublLine
		ul.ID = fmt.Sprint(l.Seq)
		q := &quantity{UnitCode: "EA", Value: l.Quantity}
		if credit {
			ul.CreditedQuantity = q
		} else {
			ul.InvoicedQuantity = q
		}
		ul.LineExtensionAmount = dkk(sign * l.AmountOre)
		ul.Item.Description, ul.Item.Name = l.Description, l.Kind
		// The price is the line's amount for its whole quantity, so quantity × price ÷
		// base quantity is the line amount exactly (a monthly price pro rata is not a
		// whole number of øre per day).
		ul.Price.PriceAmount = dkk(sign * l.AmountOre)
		ul.Price.BaseQuantity = quantity{UnitCode: "EA", Value: l.Quantity}
		if credit {
			doc.CreditNoteLines = append(doc.CreditNoteLines, ul)
		} else {
			doc.InvoiceLines = append(doc.InvoiceLines, ul)
		}
	}
	ns := nsInvoice
	if credit {
		ns = nsCreditNote
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	// The default namespace goes on the root by hand: encoding/xml would otherwise
	// repeat it on every child element.
	doc.XMLName = xml.Name{Local: doc.XMLName.Local}
	start := xml.StartElement{Name: doc.XMLName, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: ns}}}
	if err := enc.EncodeElement(doc, start); err != nil {
		return nil, fmt.Errorf("invoice of member %d: %w", memberID, err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}
