/* The demo shop's behaviour: a consent banner, a page view on every page, product views,
 * add to cart, sign-in (identify) and purchase, all through the Shoptrail tracker (/sdk.js).
 * The write key and the page's role come from data attributes on <body> (no inline script). */
(function () {
  "use strict";
  var body = document.body;
  var key = body.dataset.writeKey;
  if (!key) return;
  // The shop keeps the visitor's choice itself (as a consent manager would) and tells the
  // tracker on every page; until a choice is made the tracker holds events in memory.
  var choice = localStorage.getItem("demo.consent");
  // Autocapture is off by default in the tracker; the demo turns it on when asked
  // (localStorage "demo.autocapture" = "1"), as a shop would with one option.
  var shoptrail = window.shoptrail.load({
    writeKey: key,
    autocapture: localStorage.getItem("demo.autocapture") === "1",
    consent: choice === "granted" || choice === "denied" ? choice : "pending",
    respectDoNotTrack: true,
  });
  if (shoptrail.consent() === "pending") banner();
  shoptrail.page(document.title, { category: "Demo shop" });

  function banner() {
    var box = document.createElement("div");
    box.id = "consent-banner";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", "Cookie consent");
    box.style.cssText =
      "position:fixed;left:0;right:0;bottom:0;padding:1rem;background:#1f2937;color:#fff;" +
      "display:flex;gap:1rem;align-items:center;flex-wrap:wrap";
    var text = document.createElement("p");
    text.style.margin = "0";
    text.textContent =
      "We use a first-party cookie and local storage to understand how the shop is used. " +
      "Nothing is sent until you choose.";
    box.appendChild(text);
    [
      ["consent-accept", "Accept", "granted"],
      ["consent-decline", "Decline", "denied"],
    ].forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.id = b[0];
      button.textContent = b[1];
      button.addEventListener("click", function () {
        localStorage.setItem("demo.consent", b[2]);
        shoptrail.consent(b[2]);
        box.remove();
      });
      box.appendChild(button);
    });
    body.appendChild(box);
  }

  var cart = [];
  try {
    cart = JSON.parse(localStorage.getItem("demo.cart") || "[]");
  } catch (e) {
    cart = [];
  }
  function saveCart() {
    localStorage.setItem("demo.cart", JSON.stringify(cart));
    var count = document.getElementById("cart-count");
    if (count) count.textContent = String(cart.length);
  }
  saveCart();

  var product = document.querySelector("[data-sku]");
  if (product && body.dataset.page === "product") {
    shoptrail.track("product_view", { sku: product.dataset.sku, price: Number(product.dataset.price) });
  }
  var add = document.getElementById("add-to-cart");
  if (add) {
    add.addEventListener("click", function () {
      var item = { sku: product.dataset.sku, price: Number(product.dataset.price) };
      cart.push(item);
      saveCart();
      shoptrail.track("add_to_cart", item);
      add.textContent = "Added ✓";
    });
  }
  var signIn = document.getElementById("sign-in");
  if (signIn) {
    signIn.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var email = document.getElementById("email").value.trim();
      if (!email) return;
      shoptrail.identify(email, { email: email });
      document.getElementById("signed-in").textContent = "Signed in as " + email;
    });
  }
  var buy = document.getElementById("purchase");
  if (buy) {
    buy.addEventListener("click", function () {
      var total = cart.reduce(function (s, i) { return s + i.price; }, 0);
      // Segment's Order Completed shape: the order id counts once, however often it is sent.
      var orderId = "web-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 8);
      shoptrail.track("purchase", {
        orderId: orderId,
        revenue: total,
        currency: "EUR",
        products: cart.map(function (i) { return { sku: i.sku, price: i.price, quantity: 1 }; }),
      });
      cart = [];
      saveCart();
      window.location.href = "/demo/thanks";
    });
  }
})();
