// Shows the procedure and supervision fields only for the evidence types that need them (the server checks them anyway).
(function () {
  var type = document.querySelector('select[name="evidence_type"]');
  if (!type) { return; }
  var procedure = document.querySelector('.app-when-procedure');
  var supervised = document.querySelector('.app-when-supervised');
  var procedureTypes = (procedure && procedure.getAttribute('data-types') || '').split(' ');
  var supervisedTypes = (supervised && supervised.getAttribute('data-types') || '').split(' ');
  function update() {
    var value = type.value;
    if (procedure) { procedure.hidden = value !== '' && procedureTypes.indexOf(value) === -1; }
    if (supervised) { supervised.hidden = value !== '' && supervisedTypes.indexOf(value) === -1; }
  }
  type.addEventListener('change', update);
  update();
})();
