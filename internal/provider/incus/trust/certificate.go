// Package trust is the Incus trust store: rack_incus_certificate (a trusted
// client certificate, resource and data source) and the ephemeral
// rack_incus_trust_token.
package trust

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/configobject"
)

// certificateModel is the state of rack_incus_certificate. The object is
// keyed by its fingerprint, which follows from the certificate.
type certificateModel struct {
	configobject.Core
	Fingerprint types.String `tfsdk:"fingerprint"`
	Name        types.String `tfsdk:"name"`
	Type        types.String `tfsdk:"type"`
	Certificate types.String `tfsdk:"certificate"`
	Restricted  types.Bool   `tfsdk:"restricted"`
	Projects    types.Set    `tfsdk:"projects"`
}

func (m *certificateModel) NameField() *types.String { return &m.Fingerprint }

func (m *certificateModel) put(ctx context.Context, diags *diag.Diagnostics) incus.CertificatePut {
	put := incus.CertificatePut{Name: m.Name.ValueString(), Restricted: m.Restricted.ValueBool(), Description: m.Description.ValueString()}
	diags.Append(m.Projects.ElementsAs(ctx, &put.Projects, false)...)
	return put
}

func (m *certificateModel) fromAPI(v *incus.Certificate) {
	m.Fingerprint = types.StringValue(v.Fingerprint)
	m.Name = types.StringValue(v.Name)
	m.Type = types.StringValue(v.Type)
	m.Restricted = types.BoolValue(v.Restricted)
	m.Description = types.StringValue(v.Description)
	projects := make([]types.String, 0, len(v.Projects))
	for _, p := range v.Projects {
		projects = append(projects, types.StringValue(p))
	}
	m.Projects, _ = types.SetValueFrom(context.Background(), types.StringType, projects)
	// incusd keeps the PEM re-encoded; the configured text of the same
	// certificate (other line ends, a comment before it) stays.
	if fp, err := incus.CertificateFingerprint(m.Certificate.ValueString()); err != nil || fp != v.Fingerprint {
		m.Certificate = types.StringValue(v.Certificate)
	}
}

var certificateTimeouts = fw.TimeoutDefaults{Create: 2 * time.Minute, Read: 2 * time.Minute, Update: 2 * time.Minute, Delete: 2 * time.Minute}

var certificateType = &configobject.Type[certificateModel, incus.Certificate]{
	Name:  "certificate",
	Title: "Certificate",
	Noun:  "trusted certificate",
	CLI:   "config trust",
	Description: "A client certificate in the Incus server's trust store (`incus config trust add-certificate`): whoever holds its key may use the server, " +
		"as far as `restricted` and `projects` allow. `name`, `description`, `restricted` and `projects` change in place; a new `certificate` or `type` replaces it. " +
		"A certificate the server trusts already is refused with its import ID.",
	NameAttribute: "fingerprint",
	NoConfig:      true,
	Attributes: map[string]schema.Attribute{
		"fingerprint": schema.StringAttribute{Computed: true,
			Description:   "SHA-256 fingerprint of the certificate (of its DER form, in hex), as Incus computes it: the certificate's key in the trust store and its import ID.",
			PlanModifiers: []planmodifier.String{fingerprintPlan{}}},
		"name": schema.StringAttribute{Optional: true, Computed: true,
			Description:   "Name of the client in the trust store. Unset, Incus takes the certificate's common name. Changing it renames the entry in place.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		"type": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("client"),
			Validators:    []validator.String{stringvalidator.OneOf("client", "metrics")},
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			Description:   "`client` (uses the API) or `metrics` (reads only /1.0/metrics). Defaults to `client`. Changing it replaces the entry."},
		"certificate": schema.StringAttribute{Required: true,
			Validators:    []validator.String{pemCertificate{}},
			PlanModifiers: []planmodifier.String{samePEM{}, stringplanmodifier.RequiresReplace()},
			Description:   "The client certificate, PEM encoded (its key stays with the client). The same certificate in another PEM layout is no change. Changing it replaces the entry."},
		"restricted": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
			Description: "Limit the client to the `projects` listed; otherwise it may do everything. Defaults to `false`."},
		"projects": schema.SetAttribute{Optional: true, Computed: true, ElementType: types.StringType,
			Default:     setdefault.StaticValue(types.SetValueMust(types.StringType, nil)),
			Validators:  []validator.Set{setvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
			Description: "Projects a restricted client may use. Defaults to none."},
	},
	Timeouts: certificateTimeouts,

	Get: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key) (configobject.Object[incus.Certificate], error) {
		v, err := c.GetCertificate(ctx, s, k.Name)
		if err != nil {
			return configobject.Object[incus.Certificate]{}, err
		}
		return configobject.Object[incus.Certificate]{Value: v, ETag: v.ETag}, nil
	},
	Create: func(ctx context.Context, c *incus.Client, s incus.Scope, _ configobject.Key, m *certificateModel, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		if m.Name.IsUnknown() {
			put.Name = "" // incusd takes the common name
		}
		_, err := c.CreateCertificate(ctx, s, incus.CertificateSpec{CertificatePut: put, Type: m.Type.ValueString(), Certificate: m.Certificate.ValueString()})
		return err
	},
	Update: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *certificateModel, etag string, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return c.UpdateCertificate(ctx, s, k.Name, m.Type.ValueString(), put, etag)
	},
	Delete: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, _ *certificateModel) error {
		return c.DeleteCertificate(ctx, s, k.Name)
	},
	Read: func(_ context.Context, m *certificateModel, v *incus.Certificate, _ *diag.Diagnostics) {
		m.fromAPI(v)
	},
}

// NewCertificateResource is rack_incus_certificate.
func NewCertificateResource() resource.Resource {
	return configobject.NewResource(certificateType)()
}

// pemCertificate refuses, at plan time, a certificate that is not a PEM
// X.509 certificate, which incusd would refuse at apply.
type pemCertificate struct{}

func (pemCertificate) Description(context.Context) string {
	return "must be a PEM encoded X.509 certificate"
}
func (v pemCertificate) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (pemCertificate) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := incus.ParseCertificatePEM(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Certificate",
			fmt.Sprintf("certificate must be a PEM encoded X.509 certificate (-----BEGIN CERTIFICATE-----), which Incus would otherwise refuse: %s.", err))
	}
}

// samePEM keeps the state's certificate when the configured one is the
// same certificate written another way (the server's re-encoded PEM after
// an import, other line ends): no replacement for that.
type samePEM struct{}

func (samePEM) Description(context.Context) string {
	return "the same certificate in another PEM layout is no change"
}
func (p samePEM) MarkdownDescription(ctx context.Context) string { return p.Description(ctx) }
func (samePEM) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.ConfigValue.IsUnknown() || req.ConfigValue.IsNull() || req.StateValue.IsNull() || req.StateValue.IsUnknown() {
		return
	}
	planned, err1 := incus.CertificateFingerprint(req.ConfigValue.ValueString())
	state, err2 := incus.CertificateFingerprint(req.StateValue.ValueString())
	if err1 == nil && err2 == nil && planned == state {
		resp.PlanValue = req.StateValue
	}
}

// fingerprintPlan computes the fingerprint from the planned certificate, so
// the plan shows it (and the ID) whenever the certificate is known.
type fingerprintPlan struct{}

func (fingerprintPlan) Description(context.Context) string {
	return "the SHA-256 fingerprint of the planned certificate"
}
func (p fingerprintPlan) MarkdownDescription(ctx context.Context) string { return p.Description(ctx) }
func (fingerprintPlan) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	var cert types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("certificate"), &cert)...)
	if cert.IsUnknown() || cert.IsNull() {
		resp.PlanValue = types.StringUnknown()
		return
	}
	if fp, err := incus.CertificateFingerprint(cert.ValueString()); err == nil {
		resp.PlanValue = types.StringValue(fp)
	}
}
