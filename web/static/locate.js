/* "Use my location": the site's only script, and an optional one. It asks the browser for the
   position, rounds it to two decimals (about a kilometre) and puts it in the "Near" field of
   the search form, which sends it to this site like any typed place. Nothing else is sent,
   stored or loaded. Without this script (or without geolocation) the form works as before. */
(function () {
  "use strict";
  var field = document.getElementById("near");
  if (!field || !field.form || !("geolocation" in navigator)) {
    return;
  }
  var button = document.createElement("button");
  button.type = "button";
  button.className = "button-quiet locate";
  button.textContent = "Use my location";
  var status = document.createElement("p");
  status.className = "locate-status";
  status.setAttribute("role", "status");
  field.parentNode.appendChild(button);
  field.parentNode.appendChild(status);

  function round(value) {
    return (Math.round(value * 100) / 100).toString();
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = "Finding your location…";
    navigator.geolocation.getCurrentPosition(function (position) {
      field.value = round(position.coords.latitude) + ", " + round(position.coords.longitude);
      status.textContent = "Location found; searching near it.";
      field.form.submit();
    }, function () {
      button.disabled = false;
      status.textContent = "Your location is not available; please type a postal code or a town.";
    }, {enableHighAccuracy: false, timeout: 15000, maximumAge: 600000});
  });
}());
