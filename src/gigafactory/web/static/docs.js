// Lists the operations of /openapi.json (offline: no Swagger UI from a CDN).
const token = sessionStorage.getItem("gigafactory-token");
const headers = token ? { Authorization: "Bearer " + token } : {};
const spec = await (await fetch("openapi.json", { headers })).json();
const box = document.getElementById("ops");
box.replaceChildren();
for (const [path, ops] of Object.entries(spec.paths)) {
  for (const [method, op] of Object.entries(ops)) {
    const sec = document.createElement("section");
    const h = document.createElement("h2");
    h.textContent = `${method.toUpperCase()} ${path}`;
    const p = document.createElement("p");
    p.textContent = op.description || op.summary || "";
    sec.append(h, p);
    const params = (op.parameters || []).map((x) => `${x.name} (${x.in}${x.required ? ", required" : ""})`);
    if (params.length) { const q = document.createElement("p"); q.className = "muted"; q.textContent = "parameters: " + params.join(", "); sec.append(q); }
    const body = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
    if (body) { const pre = document.createElement("pre"); pre.textContent = "body: " + JSON.stringify(body.schema); sec.append(pre); }
    box.append(sec);
  }
}
