package network

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/configobject"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
)

// loadBalancerModel is the state of rack_incus_network_load_balancer.
type loadBalancerModel struct {
	configobject.Core
	ListenAddress types.String `tfsdk:"listen_address"`
	Config        types.Map    `tfsdk:"config"`
	Network       types.String `tfsdk:"network"`
	Project       types.String `tfsdk:"project"`
	Backends      types.List   `tfsdk:"backends"`
	Ports         types.List   `tfsdk:"ports"`
}

func (m *loadBalancerModel) NameField() *types.String { return &m.ListenAddress }
func (m *loadBalancerModel) ConfigField() *types.Map  { return &m.Config }

type backendModel struct {
	Name          types.String `tfsdk:"name"`
	Description   types.String `tfsdk:"description"`
	TargetAddress types.String `tfsdk:"target_address"`
	TargetPort    types.String `tfsdk:"target_port"`
}

type lbPortModel struct {
	Description   types.String `tfsdk:"description"`
	Protocol      types.String `tfsdk:"protocol"`
	ListenPort    types.String `tfsdk:"listen_port"`
	TargetBackend types.List   `tfsdk:"target_backend"`
}

var backendAttrTypes = map[string]attr.Type{
	"name": types.StringType, "description": types.StringType, "target_address": types.StringType, "target_port": types.StringType,
}

var lbPortAttrTypes = map[string]attr.Type{
	"description": types.StringType, "protocol": types.StringType, "listen_port": types.StringType,
	"target_backend": types.ListType{ElemType: types.StringType},
}

var (
	backendType = types.ObjectType{AttrTypes: backendAttrTypes}
	lbPortType  = types.ObjectType{AttrTypes: lbPortAttrTypes}
)

var loadBalancerType = &configobject.Type[loadBalancerModel, incus.NetworkLoadBalancer]{
	Name:          "network_load_balancer",
	NameAttribute: "listen_address",
	Title:         "Network Load Balancer",
	Noun:          "network load balancer",
	CLI:           "network load-balancer",
	Description: "An Incus network load balancer: traffic to a listen address is spread over backends on an OVN network. " +
		"Incus has load balancers on OVN networks only; on a bridge incusd refuses them (`Network driver \"bridge\" does not support load balancers`). " +
		"The listen address must be one the OVN network's uplink routes to it (in the uplink's `ipv4.routes`/`ipv6.routes`, or its subnet). " +
		"Incus cannot change the listen address or move the load balancer to another network: either replaces it.",
	InProject: true,
	Parents: []configobject.Parent{
		{Attribute: "network", Description: "Name of the OVN network the load balancer is on."},
	},
	Attributes: map[string]schema.Attribute{
		"description":    trimmedDescription("load balancer"),
		"listen_address": listenAddressAttribute("load balancer"),
		"config": schema.MapAttribute{Optional: true, ElementType: types.StringType,
			Description: "Config keys of the load balancer: `healthcheck` (`true`/`false`), `healthcheck.interval`, `healthcheck.timeout`, `healthcheck.success_count`, `healthcheck.failure_count`, and `user.*` keys. A key changed or added outside Terraform shows as drift.",
			Validators:  []validator.Map{mapvalidator.KeysAre(incusattr.ConfigKeyValidator{})}},
		"backends": schema.ListNestedAttribute{Optional: true,
			Description: "The backends traffic can go to, in order. Omitted, the load balancer has none.",
			Validators:  []validator.List{uniqueBackendNames{}},
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"name": schema.StringAttribute{Required: true,
					Description: "Name of the backend, unique in the load balancer, without white space; port entries name it in `target_backend`.",
					Validators:  []validator.String{stringvalidator.LengthAtLeast(1), stringvalidator.RegexMatches(noSpace, "must not contain white space")}},
				"description": portDescription(),
				"target_address": schema.StringAttribute{Required: true,
					Description: "The backend's address: in the network's subnet, of the listen address's IP version, in canonical form.",
					Validators:  []validator.String{addressValidator{}, sameFamilyValidator{}}},
				"target_port": schema.StringAttribute{Optional: true,
					Description: "The backend's ports: one port, or as many as the listen ports of each entry sending to it, in the same form as `listen_port`. Omitted, each listen port goes to the same port on the backend.",
					Validators:  []validator.String{portListValidator{}}},
			}},
		},
		"ports": schema.ListNestedAttribute{Optional: true,
			Description: "Port rules, in order: each sends its listen ports to the backends it names. Omitted, the load balancer has none.",
			Validators:  []validator.List{lbPortsValidator{}},
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"description": portDescription(),
				"protocol":    protocolAttribute(),
				"listen_port": listenPortAttribute(),
				"target_backend": schema.ListAttribute{Required: true, ElementType: types.StringType,
					Description: "Names of the backends (in `backends`) the listen ports go to.",
					Validators:  []validator.List{listvalidator.SizeAtLeast(1)}},
			}},
		},
	},
	Timeouts: addrTimeouts,

	Get: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key) (configobject.Object[incus.NetworkLoadBalancer], error) {
		lb, err := c.GetNetworkLoadBalancer(ctx, s, k.Parents[0], k.Name)
		if err != nil {
			return configobject.Object[incus.NetworkLoadBalancer]{}, err
		}
		return configobject.Object[incus.NetworkLoadBalancer]{Value: lb, ETag: lb.ETag}, nil
	},
	Create: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *loadBalancerModel, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return c.CreateNetworkLoadBalancer(ctx, s, k.Parents[0], k.Name, put)
	},
	Update: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *loadBalancerModel, etag string, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return c.UpdateNetworkLoadBalancer(ctx, s, k.Parents[0], k.Name, put, etag)
	},
	Delete: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, _ *loadBalancerModel) error {
		return c.DeleteNetworkLoadBalancer(ctx, s, k.Parents[0], k.Name)
	},
	Read: func(_ context.Context, m *loadBalancerModel, lb *incus.NetworkLoadBalancer, diags *diag.Diagnostics) {
		m.Description = types.StringValue(lb.Description)
		m.Config = incusattr.ConfigFromAPI(lb.Config, m.Config, nil)
		m.Network = types.StringValue(lb.Network)
		m.Backends = listOrNull(len(lb.Backends), m.Backends, backendType, diags, func(i int) map[string]attr.Value {
			b := lb.Backends[i]
			return map[string]attr.Value{"name": types.StringValue(b.Name), "description": types.StringValue(b.Description),
				"target_address": types.StringValue(b.TargetAddress), "target_port": nullIfEmpty(b.TargetPort)}
		})
		m.Ports = listOrNull(len(lb.Ports), m.Ports, lbPortType, diags, func(i int) map[string]attr.Value {
			p := lb.Ports[i]
			names := make([]attr.Value, len(p.TargetBackend))
			for j, n := range p.TargetBackend {
				names[j] = types.StringValue(n)
			}
			tb, d := types.ListValue(types.StringType, names)
			diags.Append(d...)
			return map[string]attr.Value{"description": types.StringValue(p.Description), "protocol": types.StringValue(p.Protocol),
				"listen_port": types.StringValue(p.ListenPort), "target_backend": tb}
		})
	},
}

func (m *loadBalancerModel) put(ctx context.Context, diags *diag.Diagnostics) incus.NetworkLoadBalancerPut {
	out := incus.NetworkLoadBalancerPut{Description: m.Description.ValueString(), Config: fw.StringMap(ctx, m.Config, diags)}
	var backends []backendModel
	if !m.Backends.IsNull() && !m.Backends.IsUnknown() {
		diags.Append(m.Backends.ElementsAs(ctx, &backends, false)...)
	}
	for _, b := range backends {
		out.Backends = append(out.Backends, incus.NetworkLoadBalancerBackend{Name: b.Name.ValueString(), Description: b.Description.ValueString(),
			TargetAddress: b.TargetAddress.ValueString(), TargetPort: b.TargetPort.ValueString()})
	}
	var ports []lbPortModel
	if !m.Ports.IsNull() && !m.Ports.IsUnknown() {
		diags.Append(m.Ports.ElementsAs(ctx, &ports, false)...)
	}
	for _, p := range ports {
		var names []string
		diags.Append(p.TargetBackend.ElementsAs(ctx, &names, false)...)
		out.Ports = append(out.Ports, incus.NetworkLoadBalancerPort{Description: p.Description.ValueString(), Protocol: p.Protocol.ValueString(),
			ListenPort: p.ListenPort.ValueString(), TargetBackend: names})
	}
	return out
}

// uniqueBackendNames: incusd refuses two backends of one name.
type uniqueBackendNames struct{}

func (uniqueBackendNames) Description(context.Context) string { return "backend names are unique" }

func (v uniqueBackendNames) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (uniqueBackendNames) ValidateList(ctx context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var backends []backendModel
	if req.ConfigValue.ElementsAs(ctx, &backends, false).HasError() {
		return
	}
	seen := map[string]int{}
	for i, b := range backends {
		if !known(b.Name) {
			continue
		}
		if j, dup := seen[b.Name.ValueString()]; dup {
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i).AtName("name"), "Duplicate Backend Name",
				fmt.Sprintf("%s: backend name %q is also the name of %s; incusd takes each name once.", req.Path.AtListIndex(i), b.Name.ValueString(), req.Path.AtListIndex(j)))
			continue
		}
		seen[b.Name.ValueString()] = i
	}
}

// lbPortsValidator checks each port entry against the backends it names
// (when both are known) and the listen ports across entries.
type lbPortsValidator struct{}

func (lbPortsValidator) Description(context.Context) string {
	return "each target_backend names a backend; each listen port once per protocol"
}

func (v lbPortsValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (lbPortsValidator) ValidateList(ctx context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var ports []lbPortModel
	if req.ConfigValue.ElementsAs(ctx, &ports, false).HasError() {
		return
	}
	var backendList types.List
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("backends"), &backendList)...)
	var backends []backendModel
	backendsKnown := !backendList.IsUnknown()
	if backendsKnown && !backendList.IsNull() && backendList.ElementsAs(ctx, &backends, false).HasError() {
		backendsKnown = false
	}
	byName := map[string]*backendModel{}
	for i := range backends {
		if !known(backends[i].Name) {
			backendsKnown = false
			continue
		}
		byName[backends[i].Name.ValueString()] = &backends[i]
	}
	use := portUse{}
	for i, p := range ports {
		at := req.Path.AtListIndex(i)
		var listen []int
		if known(p.ListenPort) {
			listen = expandPorts(p.ListenPort.ValueString())
		}
		if listen != nil && known(p.Protocol) {
			if port, by, ok := use.take(p.Protocol.ValueString(), listen, i); !ok {
				resp.Diagnostics.AddAttributeError(at.AtName("listen_port"), "Duplicate Listen Port",
					fmt.Sprintf("%s: %s port %d is already a listen port of %s; incusd takes each listen port once per protocol.", at, p.Protocol.ValueString(), port, req.Path.AtListIndex(by)))
			}
		}
		if !backendsKnown || p.TargetBackend.IsNull() || p.TargetBackend.IsUnknown() {
			continue
		}
		for j, e := range p.TargetBackend.Elements() {
			name, ok := e.(types.String)
			if !ok || !known(name) {
				continue
			}
			b := byName[name.ValueString()]
			if b == nil {
				have := make([]string, 0, len(byName))
				for _, bb := range backends {
					have = append(have, fmt.Sprintf("%q", bb.Name.ValueString()))
				}
				resp.Diagnostics.AddAttributeError(at.AtName("target_backend").AtListIndex(j), "Unknown Backend",
					fmt.Sprintf("%s names backend %q, which is not in backends (%s).", at.AtName("target_backend"), name.ValueString(), orNone(have)))
				continue
			}
			if listen == nil || !known(b.TargetPort) {
				continue
			}
			if n, problem := PortListProblem(b.TargetPort.ValueString()); problem == "" && n > 1 && n != len(listen) {
				resp.Diagnostics.AddAttributeError(at.AtName("target_backend").AtListIndex(j), "Target Ports Do Not Match Listen Ports",
					fmt.Sprintf("%s: backend %q has %d target ports (%q) and listen_port %q holds %d; the backend needs one target port or as many as the listen ports.", at, name.ValueString(), n, b.TargetPort.ValueString(), p.ListenPort.ValueString(), len(listen)))
			}
		}
	}
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// NewLoadBalancerResource is rack_incus_network_load_balancer.
func NewLoadBalancerResource() resource.Resource {
	return configobject.NewResource(loadBalancerType)()
}

// NewLoadBalancerDataSource is data.rack_incus_network_load_balancer.
func NewLoadBalancerDataSource() datasource.DataSource {
	return configobject.NewDataSource(loadBalancerType)()
}
