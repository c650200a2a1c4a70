//! The data message and remediation templates are rendered with, and their rendering.

use super::Active;
use crate::rules::RuleSet;
use serde_json::Value as JsonValue;

/// The data message and remediation templates are rendered with: one per resource, built on
/// its first rendering (a scan whose outputs show few messages renders few), then updated in
/// place for each rule and check so that it is never copied.
pub(super) struct TemplateCtx<'x> {
    data: Option<handlebars::Context>,
    /// The resource's own part (`resource`, `vpc`, `options`).
    base: &'x dyn Fn() -> serde_json::Map<String, JsonValue>,
    /// The rule (and its check) the next rendering is for, and what `data` holds.
    want: (Option<&'x Active<'x>>, Option<usize>),
    has: (Option<&'x Active<'x>>, Option<usize>),
}

impl<'x> TemplateCtx<'x> {
    pub(super) fn new(base: &'x dyn Fn() -> serde_json::Map<String, JsonValue>) -> Self {
        TemplateCtx {
            data: None,
            base,
            want: (None, None),
            has: (None, None),
        }
    }
    /// Render for this rule, and this check of it (`None`: the rule itself).
    pub(super) fn focus(&mut self, a: &'x Active<'x>, check: Option<usize>) {
        self.want = (Some(a), check);
    }
    /// The data, built and focused.
    fn map(&mut self) -> &mut serde_json::Map<String, JsonValue> {
        let base = self.base;
        let data = self
            .data
            .get_or_insert_with(|| handlebars::Context::from(JsonValue::Object(base())))
            .data_mut();
        if !data.is_object() {
            *data = JsonValue::Object(serde_json::Map::new());
        }
        let JsonValue::Object(m) = data else {
            unreachable!("just made an object")
        };
        let same = |x: Option<&Active>, y: Option<&Active>| match (x, y) {
            (Some(x), Some(y)) => std::ptr::eq(x, y),
            (x, y) => x.is_none() && y.is_none(),
        };
        if !same(self.want.0, self.has.0) {
            if let Some(a) = self.want.0 {
                m.insert("params".into(), a.params_json.clone());
                m.insert("rule".into(), a.rule_json.clone());
            }
            self.has = (self.want.0, None);
            m.remove("check");
        }
        if self.want.1 != self.has.1 {
            match (self.want.0, self.want.1) {
                (Some(a), Some(i)) => {
                    m.insert("check".into(), a.checks_json[i].clone());
                }
                _ => {
                    m.remove("check");
                }
            }
            self.has.1 = self.want.1;
        }
        m
    }
    pub(super) fn set(&mut self, k: &str, v: JsonValue) {
        self.map().insert(k.to_string(), v);
    }
    pub(super) fn remove(&mut self, k: &str) {
        if let Some(d) = self.data.as_mut()
            && let JsonValue::Object(m) = d.data_mut()
        {
            m.remove(k);
        }
    }
    /// The data as handlebars takes it.
    fn context(&mut self) -> &handlebars::Context {
        self.map();
        self.data.as_ref().expect("built by map")
    }
}

pub(super) fn render(
    rules: &RuleSet,
    name: &str,
    tctx: &mut TemplateCtx,
) -> Result<String, String> {
    render_with(&rules.templates, name, tctx)
}

pub(super) fn render_with(
    registry: &handlebars::Handlebars<'static>,
    name: &str,
    tctx: &mut TemplateCtx,
) -> Result<String, String> {
    thread_local! {
        /// Reused for every rendering on the thread: rendering to a new `String` would allocate
        /// a large buffer per message.
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUF.with_borrow_mut(|buf| {
        buf.clear();
        registry
            .render_with_context_to_write(name, tctx.context(), &mut *buf)
            .map_err(|e| format!("template could not be rendered: {e}"))?;
        std::str::from_utf8(buf)
            .map(|s| s.trim().to_string())
            .map_err(|e| format!("template could not be rendered: {e}"))
    })
}

pub(super) fn resource_label(tctx: &mut TemplateCtx) -> String {
    let r = &tctx.map()["resource"];
    format!(
        "{} {}",
        r["type"].as_str().unwrap_or("resource"),
        r["id"].as_str().unwrap_or("")
    )
}
