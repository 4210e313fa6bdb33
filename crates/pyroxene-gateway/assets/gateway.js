// The gateway page's script: the example links, and the form that calls any exposed method
// and shows the reply, its status and how long it took. Plain browser JavaScript.
"use strict";

const objects = JSON.parse(document.getElementById("pyro_objects").textContent);

function show(id, text) {
    document.getElementById(id).textContent = text;
}

// Pyro's json may hold NaN and Infinity, which JSON.parse refuses: then the raw text is shown.
function pretty(text) {
    if (text === "") return "(empty: a oneway call)";
    try {
        return JSON.stringify(JSON.parse(text), null, 4);
    } catch (e) {
        return text;
    }
}

// GET <object>/<method>?<params> (Python's page does the same), or a POST with a JSON body.
async function pyro_call(name, method, params, options) {
    options = options || {};
    let url = encodeURIComponent(name) + "/" + encodeURIComponent(method);
    const query = new URLSearchParams(params || {}).toString();
    if (query) url += "?" + query;
    const headers = { "Accept": "application/json" };
    if (options.oneway) headers["X-Pyro-Options"] = "oneway";
    if (options.key) headers["X-Pyro-Gateway-Key"] = options.key;
    const init = { method: "GET", headers: headers };
    if (options.json) {
        init.method = "POST";
        headers["Content-Type"] = "application/json";
        init.body = options.json;
    }
    show("pyro_call", init.method + " " + url + (options.json ? "\n" + options.json : ""));
    show("pyro_status", "...");
    show("pyro_time", "");
    show("pyro_response", "");
    const status = document.getElementById("pyro_status");
    const started = performance.now();
    try {
        const res = await fetch(url, init);
        const text = await res.text();
        const elapsed = performance.now() - started;
        status.className = res.ok ? "ok" : "error";
        show("pyro_status", res.status + " " + res.statusText);
        show("pyro_time", elapsed.toFixed(1) + " ms");
        show("pyro_correlation", res.headers.get("X-Pyro-Correlation-Id") || "-");
        show("pyro_response", pretty(text));
    } catch (e) {
        status.className = "error";
        show("pyro_status", "request failed");
        show("pyro_response", String(e));
    }
}

document.addEventListener("click", (event) => {
    const link = event.target.closest(".pyro-link");
    if (!link) return;
    event.preventDefault();
    const params = link.dataset.params ? JSON.parse(link.dataset.params) : undefined;
    pyro_call(link.dataset.object, link.dataset.method, params);
});

const objectSelect = document.getElementById("call_object");
const methodSelect = document.getElementById("call_method");

function option(value, label) {
    const o = document.createElement("option");
    o.value = value;
    o.textContent = label || value;
    return o;
}

function fillMethods() {
    methodSelect.replaceChildren();
    const entry = objects.find((o) => o.name === objectSelect.value);
    if (!entry) return;
    for (const m of entry.methods) {
        methodSelect.appendChild(option(m, entry.oneway.includes(m) ? m + " (oneway)" : m));
    }
    for (const a of entry.attributes) methodSelect.appendChild(option(a, a + " (attribute)"));
    methodSelect.appendChild(option("$meta", "$meta (metadata)"));
    describe();
}

function describe() {
    const entry = objects.find((o) => o.name === objectSelect.value);
    const m = methodSelect.value;
    let kind = "";
    if (entry && entry.attributes.includes(m)) kind = "attribute: read without parameters";
    else if (entry && entry.oneway.includes(m)) kind = "oneway method: no reply";
    show("call_kind", kind);
}

function addParam(name, value) {
    const row = document.createElement("div");
    row.className = "param-row";
    const n = document.createElement("input");
    n.placeholder = "name";
    n.className = "param-name";
    n.value = name || "";
    const v = document.createElement("input");
    v.placeholder = "value";
    v.className = "param-value";
    v.value = value || "";
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "remove";
    remove.addEventListener("click", () => row.remove());
    row.append(n, v, remove);
    document.getElementById("call_params").appendChild(row);
    return row;
}

for (const entry of objects) objectSelect.appendChild(option(entry.name));
objectSelect.addEventListener("change", fillMethods);
methodSelect.addEventListener("change", describe);
document.getElementById("add_param").addEventListener("click", () => addParam());
fillMethods();
addParam();

document.getElementById("call_form").addEventListener("submit", (event) => {
    event.preventDefault();
    const params = [];
    for (const row of document.querySelectorAll("#call_params .param-row")) {
        const name = row.querySelector(".param-name").value;
        if (name) params.push([name, row.querySelector(".param-value").value]);
    }
    const json = document.getElementById("call_json").value.trim();
    pyro_call(objectSelect.value, methodSelect.value, params, {
        oneway: document.getElementById("call_oneway").checked,
        key: document.getElementById("call_key").value,
        json: json || undefined,
    });
});
