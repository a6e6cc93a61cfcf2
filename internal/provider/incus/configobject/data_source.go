package configobject

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/providerdata"
)

// configDataSource reads one object of a config-object type into the same
// model as the resource: its schema is the resource's, every attribute
// computed but those that name the object.
type configDataSource[M any, O any] struct {
	res  *configResource[M, O]
	data *providerdata.Data
}

var _ datasource.DataSourceWithConfigure = (*configDataSource[struct{ Base }, struct{}])(nil)

// NewDataSource is the constructor of t's data source type.
func NewDataSource[M any, O any](t *Type[M, O]) func() datasource.DataSource {
	return func() datasource.DataSource { return &configDataSource[M, O]{res: &configResource[M, O]{t: t}} }
}

func (d *configDataSource[M, O]) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_incus_" + d.res.t.Name
}

func (d *configDataSource[M, O]) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerdata.From(req.ProviderData, &resp.Diagnostics)
	d.res.data = d.data
}

func (d *configDataSource[M, O]) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	var rs resource.SchemaResponse
	d.res.Schema(ctx, resource.SchemaRequest{}, &rs)
	t := d.res.t
	naming := map[string]bool{t.nameAttribute(): true}
	for _, p := range t.Parents {
		naming[p.Attribute] = true
	}
	attrs := map[string]dschema.Attribute{}
	for name, a := range rs.Schema.Attributes {
		switch {
		case name == "timeouts":
			attrs[name] = dschema.SingleNestedAttribute{Optional: true,
				Description: fmt.Sprintf("How long the read may take. Defaults: read %s.", fw.ShortDuration(t.Timeouts.Read)),
				Attributes: map[string]dschema.Attribute{"read": dschema.StringAttribute{Optional: true,
					Description: fmt.Sprintf("How long the read may take, as a duration such as `30s`. Defaults to `%s`.", fw.ShortDuration(t.Timeouts.Read))}}}
		case naming[name]:
			attrs[name] = dschema.StringAttribute{Required: true, Description: readOnly(a.GetDescription())}
		case name == "config":
			ma, _ := a.(rschema.MapAttribute)
			attrs[name] = dschema.MapAttribute{Computed: true, ElementType: types.StringType, Sensitive: ma.Sensitive,
				Description: fmt.Sprintf("Every config key of the %s, those Incus filled in itself too (volatile.* keys aside).", t.noun())}
		case name == "remote" || name == "project":
			attrs[name] = dschema.StringAttribute{Optional: true, Computed: true, Description: readOnly(a.GetDescription())}
		default:
			c := computed(a)
			if c == nil {
				resp.Diagnostics.AddError("Provider Bug", fmt.Sprintf("rack_incus_%s.%s has no data source form (%T); please report this bug", t.Name, name, a))
				return
			}
			attrs[name] = c
		}
	}
	resp.Schema = dschema.Schema{
		Description: fmt.Sprintf("Reads an existing Incus %s. A missing %s is an error.", t.noun(), t.noun()),
		Attributes:  attrs,
	}
}

func (d *configDataSource[M, O]) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m M
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	t := d.res.t
	ctx, cancel := fw.BeginStep(ctx, common(&m).Timeouts, "read", t.Timeouts.Read, &resp.Diagnostics)
	defer cancel()
	s, k := d.res.where(ctx, req.Config, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	obj, err := t.Get(ctx, d.data.Incus, s, k)
	if err != nil {
		fw.AddError(&resp.Diagnostics, d.res.t.summary("Read"), err)
		return
	}
	if cm, ok := any(&m).(interface{ ConfigField() *types.Map }); ok {
		// Unknown: the read shows every key, those Incus filled in too.
		*cm.ConfigField() = types.MapUnknown(types.StringType)
	}
	d.res.apply(ctx, &m, obj, s, k, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// computed turns a resource attribute into the data source's computed one.
func computed(a rschema.Attribute) dschema.Attribute {
	desc := readOnly(a.GetDescription())
	switch a := a.(type) {
	case rschema.StringAttribute:
		return dschema.StringAttribute{Computed: true, Description: desc, Sensitive: a.Sensitive}
	case rschema.BoolAttribute:
		return dschema.BoolAttribute{Computed: true, Description: desc}
	case rschema.Int64Attribute:
		return dschema.Int64Attribute{Computed: true, Description: desc}
	case rschema.MapAttribute:
		return dschema.MapAttribute{Computed: true, Description: desc, ElementType: a.ElementType, Sensitive: a.Sensitive}
	case rschema.ListAttribute:
		return dschema.ListAttribute{Computed: true, Description: desc, ElementType: a.ElementType}
	case rschema.SetAttribute:
		return dschema.SetAttribute{Computed: true, Description: desc, ElementType: a.ElementType}
	case rschema.SetNestedAttribute:
		return dschema.SetNestedAttribute{Computed: true, Description: desc, NestedObject: dschema.NestedAttributeObject{Attributes: computedAll(a.NestedObject.Attributes)}}
	case rschema.ListNestedAttribute:
		return dschema.ListNestedAttribute{Computed: true, Description: desc, NestedObject: dschema.NestedAttributeObject{Attributes: computedAll(a.NestedObject.Attributes)}}
	case rschema.MapNestedAttribute:
		return dschema.MapNestedAttribute{Computed: true, Description: desc, NestedObject: dschema.NestedAttributeObject{Attributes: computedAll(a.NestedObject.Attributes)}}
	case rschema.SingleNestedAttribute:
		return dschema.SingleNestedAttribute{Computed: true, Description: desc, Attributes: computedAll(a.Attributes)}
	}
	return nil
}

func computedAll(in map[string]rschema.Attribute) map[string]dschema.Attribute {
	out := make(map[string]dschema.Attribute, len(in))
	for k, a := range in {
		out[k] = computed(a)
	}
	return out
}

// readOnly is a resource attribute's description for the data source: the
// sentences about what a change does are dropped.
func readOnly(desc string) string {
	var kept []string
	for _, sentence := range strings.SplitAfter(desc, ". ") {
		if strings.HasPrefix(sentence, "Changing it") || strings.HasPrefix(sentence, "Defaults to") {
			continue
		}
		kept = append(kept, sentence)
	}
	return strings.TrimSpace(strings.Join(kept, ""))
}
