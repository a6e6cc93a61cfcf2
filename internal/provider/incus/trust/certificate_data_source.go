package trust

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
	"github.com/rackform/terraform-provider-rack/internal/provider/providerdata"
)

// certificateDataModel is the data source's model: the resource's without
// timeouts.
type certificateDataModel struct {
	ID          types.String `tfsdk:"id"`
	Remote      types.String `tfsdk:"remote"`
	Fingerprint types.String `tfsdk:"fingerprint"`
	Name        types.String `tfsdk:"name"`
	Type        types.String `tfsdk:"type"`
	Certificate types.String `tfsdk:"certificate"`
	Restricted  types.Bool   `tfsdk:"restricted"`
	Projects    types.Set    `tfsdk:"projects"`
	Description types.String `tfsdk:"description"`
}

type certificateDataSource struct{ data *providerdata.Data }

var (
	_ datasource.DataSourceWithConfigure        = (*certificateDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*certificateDataSource)(nil)
)

// NewCertificateDataSource is the rack_incus_certificate data source.
func NewCertificateDataSource() datasource.DataSource { return &certificateDataSource{} }

func (d *certificateDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_incus_certificate"
}

func (d *certificateDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerdata.From(req.ProviderData, &resp.Diagnostics)
}

func (d *certificateDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Reads one entry of an Incus server's trust store, by fingerprint (a unique prefix will do) or by name. A missing entry, or a name that several entries share, is an error.",
		Attributes: map[string]schema.Attribute{
			"id":          schema.StringAttribute{Computed: true, Description: "The entry's import ID, `remote:fingerprint`."},
			"remote":      schema.StringAttribute{Optional: true, Computed: true, Description: "Incus remote (see the provider's `incus_remote` blocks). Defaults to the provider's default remote."},
			"fingerprint": schema.StringAttribute{Optional: true, Computed: true, Description: "SHA-256 fingerprint of the certificate. Set this or `name`."},
			"name":        schema.StringAttribute{Optional: true, Computed: true, Description: "Name of the client in the trust store. Set this or `fingerprint`."},
			"type":        schema.StringAttribute{Computed: true, Description: "`client`, `metrics` or `server` (a cluster member)."},
			"certificate": schema.StringAttribute{Computed: true, Description: "The certificate, PEM encoded."},
			"restricted":  schema.BoolAttribute{Computed: true, Description: "Whether the client is limited to `projects`."},
			"projects":    schema.SetAttribute{Computed: true, ElementType: types.StringType, Description: "Projects a restricted client may use."},
			"description": schema.StringAttribute{Computed: true, Description: "Description of the entry."},
		},
	}
}

func (d *certificateDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{datasourcevalidator.ExactlyOneOf(path.MatchRoot("fingerprint"), path.MatchRoot("name"))}
}

func (d *certificateDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m certificateDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || d.data == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, certificateTimeouts.Read)
	defer cancel()
	s := incusattr.ResolvedScope(d.data.Incus, incus.Scope{Remote: m.Remote.ValueString()})
	var got *incus.Certificate
	var err error
	if fp := m.Fingerprint.ValueString(); fp != "" {
		got, err = d.data.Incus.GetCertificate(ctx, s, fp)
	} else {
		got, err = byName(ctx, d.data.Incus, s, m.Name.ValueString())
	}
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read Incus Certificate", err)
		return
	}
	var rm certificateModel
	rm.fromAPI(got)
	m.ID = types.StringValue(incus.ServerImportID(s.Remote, got.Fingerprint))
	m.Remote = types.StringValue(s.Remote)
	m.Fingerprint, m.Name, m.Type, m.Certificate = rm.Fingerprint, rm.Name, rm.Type, rm.Certificate
	m.Restricted, m.Projects, m.Description = rm.Restricted, rm.Projects, rm.Description
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// byName finds the one entry of the trust store with that name.
func byName(ctx context.Context, c *incus.Client, s incus.Scope, name string) (*incus.Certificate, error) {
	list, err := c.ListCertificates(ctx, s)
	if err != nil {
		return nil, err
	}
	var found []incus.Certificate
	for _, cert := range list {
		if cert.Name == name {
			found = append(found, cert)
		}
	}
	object := fmt.Sprintf("trusted certificate named %q (remote %q)", name, s.Remote)
	switch len(found) {
	case 0:
		return nil, &clienterr.NotFoundError{Info: clienterr.Info{Object: object, Message: "no entry of the trust store has this name",
			Hint: fmt.Sprintf("`incus config trust list %s:` lists the trusted clients.", s.Remote)}}
	case 1:
		return &found[0], nil
	}
	fps := make([]string, len(found))
	for i, f := range found {
		fps[i] = f.Fingerprint
	}
	return nil, &clienterr.ValidationError{Info: clienterr.Info{Object: object,
		Message: fmt.Sprintf("%d entries have this name (fingerprints %s)", len(found), strings.Join(fps, ", ")),
		Hint:    "Read the entry by its fingerprint instead."}}
}
