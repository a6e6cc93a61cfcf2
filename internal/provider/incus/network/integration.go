package network

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/configobject"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
)

// integrationModel is the state of rack_incus_network_integration.
type integrationModel struct {
	configobject.Base
	Type types.String `tfsdk:"type"`
}

// integrationKeys are the config keys incusd takes for an OVN integration
// (docs-internal/incus-error-texts.md), user.* aside.
var integrationKeys = []string{
	"ovn.northbound_connection", "ovn.southbound_connection", "ovn.ca_cert",
	"ovn.client_cert", "ovn.client_key", "ovn.transit.pattern",
}

// integrationNameProblem: incusd 6.0.4 takes any name, even one its API
// paths cannot then reach.
func integrationNameProblem(name string) string {
	switch {
	case name == "":
		return "it must not be empty"
	case strings.Contains(name, "/"):
		return "it must not contain a slash"
	case strings.ContainsAny(name, " \t\n"):
		return "it must not contain white space"
	}
	return ""
}

// integrationKey refuses at plan time a config key incusd would refuse.
type integrationKey struct{}

func (integrationKey) Description(context.Context) string {
	return "one of " + strings.Join(integrationKeys, ", ") + ", or a user.* key"
}

func (k integrationKey) MarkdownDescription(ctx context.Context) string { return k.Description(ctx) }

func (integrationKey) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	key := req.ConfigValue.ValueString()
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || strings.HasPrefix(key, "user.") || slices.Contains(integrationKeys, key) {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid Network Integration Config Key",
		fmt.Sprintf("Incus takes no config key %q for a network integration of type ovn: it takes %s, and user.* keys.", key, strings.Join(integrationKeys, ", ")))
}

func (m *integrationModel) put(ctx context.Context, diags *diag.Diagnostics) incus.NetworkIntegrationPut {
	return incus.NetworkIntegrationPut{Description: m.Description.ValueString(), Config: fw.StringMap(ctx, m.Config, diags)}
}

var integrationType = &configobject.Type[integrationModel, incus.NetworkIntegration]{
	Name:  "network_integration",
	Title: "Network Integration",
	CLI:   "network integration",
	Description: "An Incus network integration: the server's link to an OVN interconnection (OVN-IC) database, which remote network peers (`rack_incus_network_peer` of type `remote`) go through to reach OVN networks of other deployments. " +
		"It belongs to the whole server, not to a project. It is renamed in place. Deleting one that peers still use is refused, and the error lists them. " +
		"It needs the server's API extension `network_integrations` (Incus 0.7 and later); on a server without it, every action fails and names the extension.",
	Attributes: map[string]schema.Attribute{
		"type": schema.StringAttribute{Required: true,
			Description:   "Type of the integration: `ovn`, the only type Incus has. Changing it replaces the integration.",
			Validators:    []validator.String{stringvalidator.OneOf("ovn")},
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
		"config": schema.MapAttribute{Optional: true, Sensitive: true, ElementType: types.StringType,
			Description: "Config keys of the integration: `ovn.northbound_connection` (the OVN-IC northbound database, e.g. `ssl:192.0.2.10:6645`), `ovn.southbound_connection`, `ovn.ca_cert`, `ovn.client_cert`, `ovn.client_key`, `ovn.transit.pattern` (the name of the transit switches, a template; Incus refuses to change it while peers use the integration) and `user.*` keys. " +
				"The whole map is sensitive, as `ovn.client_key` is a secret: plans show none of its values, and no diagnostic or log of the provider does. " +
				"Incus answers the key in the clear to anyone allowed to edit the integration, and it is kept in the Terraform state: protect the state. A key changed or added outside Terraform shows as drift.",
			Validators: []validator.Map{
				mapvalidator.KeysAre(incusattr.ConfigKeyValidator{}),
				mapvalidator.KeysAre(integrationKey{}),
			}},
	},
	NameValidators: []validator.String{incusattr.NewNameValidator("network integration", integrationNameProblem)},
	Timeouts:       zoneTimeouts,

	Get: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key) (configobject.Object[incus.NetworkIntegration], error) {
		n, err := c.GetNetworkIntegration(ctx, s, k.Name)
		if err != nil {
			return configobject.Object[incus.NetworkIntegration]{}, err
		}
		return configobject.Object[incus.NetworkIntegration]{Value: n, ETag: n.ETag}, nil
	},
	Create: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *integrationModel, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return c.CreateNetworkIntegration(ctx, s, incus.NetworkIntegrationSpec{Name: k.Name, Type: m.Type.ValueString(), NetworkIntegrationPut: put})
	},
	Update: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *integrationModel, etag string, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return c.UpdateNetworkIntegration(ctx, s, k.Name, put, etag)
	},
	Rename: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, to string) error {
		return c.RenameNetworkIntegration(ctx, s, k.Name, to)
	},
	Delete: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, _ *integrationModel) error {
		return c.DeleteNetworkIntegration(ctx, s, k.Name)
	},
	Read: func(_ context.Context, m *integrationModel, n *incus.NetworkIntegration, _ *diag.Diagnostics) {
		m.Description = types.StringValue(n.Description)
		m.Type = types.StringValue(n.Type)
		m.Config = incusattr.ConfigFromAPI(n.Config, m.Config, nil)
	},
}

// NewIntegrationResource is rack_incus_network_integration.
func NewIntegrationResource() resource.Resource { return configobject.NewResource(integrationType)() }

// NewIntegrationDataSource is data.rack_incus_network_integration.
func NewIntegrationDataSource() datasource.DataSource {
	return configobject.NewDataSource(integrationType)()
}
