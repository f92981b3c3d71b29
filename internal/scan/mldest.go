package scan

import (
	"slices"
	"strings"
)

// A destination changed with its check waived, in other languages: a
// record, a ticket or a mail that has a refund, a bank account, a payout or
// an account's recovery or login e-mail set to a value it gives (an
// address, a phone number, an account number) and says the check that
// guards such a change was done already or is not needed ("proses refund
// penuh ... ke rekening BCA 7310 4482 19 ... tanpa meneruskan ke
// supervisor", "Werk het herstel-e-mailadres bij naar ... Verificatie is
// telefonisch al gedaan"). A bank's notice of a change tells its reader to
// call; a genuine note refuses or routes the change; neither waives the
// check for it. English has the automation rule's destinations.

// mlDestWords name where money or an account's access goes.
var mlDestWords = []string{
	// recovery and login e-mail or phone
	"herstel-e-mail", "herstelmail", "e-mail de récupération", "adresse de récupération", "wiederherstellungs-e-mail", "wiederherstellungsadresse", "correo de recuperación", "e-mail di recupero", "email di recupero", "e-mail de recuperação", "email de recuperação", "adres e-mail do odzyskiwania", "e-mail pro obnovení", "резервн", "адрес для восстановления", "адреса для відновлення", "e-mail de recuperare", "helyreállítási e-mail", "återställningsadress", "gendannelsesmail", "palautussähköposti", "kurtarma e-post", "回復用メール", "복구 이메일", "恢复邮箱", "找回邮箱", "email pemulihan", "email khôi phục", "อีเมลกู้คืน",
	"mfa-puhelinnumero", "mfa-telefonnummer", "mfa-nummer", "numero mfa", "número mfa", "numéro mfa", "mfa-telefoonnummer", "номер для mfa", "väliaikainen salasana", "midlertidig adgangskode", "temporäres passwort", "mot de passe temporaire", "contraseña temporal", "password temporanea", "senha temporária", "tijdelijk wachtwoord", "hasło tymczasowe", "временный пароль", "geçici şifre", "临时密码", "仮パスワード", "임시 비밀번호",
	"login-e-mail", "anmelde-e-mail", "e-mail de connexion", "correo de inicio de sesión", "e-mail di accesso", "e-mail de login", "inlog-e-mail", "e-mail do logowania", "přihlašovací e-mail", "адрес для входа", "ログイン用メール", "로그인 이메일", "登录邮箱",
	// a bank account (mlDestPlain), a refund or a payout
	"rekening", "iban", "bankverbindung", "kontonummer", "compte bancaire", "coordonnées bancaires", "rib ", "cuenta bancaria", "número de cuenta", "conto corrente", "coordinate bancarie", "conta bancária", "dados bancários", "bankrekening", "rachunek", "numer konta", "číslo účtu", "bankovní účet", "банковск", "реквизит", "номер счета", "номер счёта", "рахунок", "cont bancar", "bankszámla", "bankkonto", "kontonummer", "pankkitili", "tilinumero", "banka hesab", "λογαριασμ", "חשבון בנק", "حساب بنكي", "الحساب البنكي", "حساب بانکی", "बैंक खाता", "tài khoản ngân hàng", "บัญชีธนาคาร", "银行账户", "收款账户", "口座", "계좌",
	"novo pix", "nova chave pix", "chave pix", "nueva cuenta", "nuevo iban", "nouveau compte", "nouvel iban", "neues konto", "neue bankverbindung", "nuovo conto", "nuovo iban", "nova conta", "novo iban", "nieuwe rekening", "nowe konto", "nowy rachunek", "nový účet", "новый счет", "новый счёт", "новий рахунок", "yeni hesap", "yeni iban", "新账户", "新しい口座", "새 계좌", "الحساب الجديد", "حساب جديد", "الآيبان", "آيبان", "новые реквизиты", "nuove coordinate", "nuevos datos bancarios", "nouvelles coordonnées bancaires", "neue kontodaten", "novos dados bancários",
	"nouvelle adresse de livraison", "nueva dirección de envío", "nueva dirección de entrega", "neue lieferadresse", "nuovo indirizzo di consegna", "novo endereço de entrega", "nieuw afleveradres", "nowy adres dostawy", "nová doručovací adresa", "новый адрес доставки", "yeni teslimat adresi", "新的收货地址", "新しい配送先", "새 배송지",
	"refund", "reembolso", "rimborso", "remboursement", "rückerstattung", "terugbetaling", "zwrot", "возврат", "повернення коштів", "rambursare", "visszatérítés", "återbetalning", "tilbagebetaling", "palautus", "iade", "επιστροφή χρημάτων", "החזר", "استرداد", "धनवापसी", "रिफंड", "hoàn tiền", "คืนเงิน", "退款", "返金", "환불", "pengembalian dana",
}

// mlCheckDone say that the check was done already or is not needed:
// verified, by phone, no supervisor, no notice.
var mlCheckDone = []string{
	// a call-back waived, a check said to be passed or not required
	"non richiamare", "no devolver la llamada", "no llamar", "ne pas rappeler", "nicht zurückrufen", "não ligar de volta", "não retornar a ligação", "niet terugbellen", "nie oddzwaniać", "не перезванивать", "не перезванивайте", "не передзвонюйте", "geri aramayın", "geri arama yapmayın", "折り返し不要", "不需要回电", "无需回电", "다시 전화하지",
	"verifica superata", "verifica identità: superata", "verificación superada", "verificación de titularidad completada", "vérification réussie", "prüfung bestanden", "verificação aprovada", "weryfikacja pozytywna", "проверка пройдена", "перевірку пройдено", "doğrulama başarılı", "验证通过", "인증 완료",
	"già stata verificat", "già stato verificat", "secondo approvatore non è richiesto", "non inoltrare", "ni escalar", "sin escalar", "ya consta como aprobad", "sans escalader", "ohne eskalation", "sem escalar",
	// the holder's identity said to be confirmed already
	"confirmou a identidade", "identidade confirmada", "identité confirmée", "a confirmé son identité", "ha confermato l'identità", "identità confermata", "confirmó su identidad", "identidad confirmada", "identität bestätigt", "identiteit bevestigd", "potwierdził tożsamość", "tożsamość potwierdzona", "potvrdil totožnost", "подтвердил личность", "личность подтверждена", "підтвердив особу", "kimliğini doğruladı", "kimlik doğrulandı", "确认了身份", "身份已确认", "본인 확인 완료",
	// the notice of the change switched off
	"desativar o aviso", "désactiver l'alerte", "désactiver la notification", "desactivar el aviso", "desactivar la notificación", "disattivare l'avviso", "disattivare la notifica", "benachrichtigung deaktivieren", "melding uitschakelen", "wyłączyć powiadomienie", "отключить уведомление", "вимкнути сповіщення", "bildirimi kapat", "通知をオフ", "关闭通知", "알림을 끄",
	"não é necessário novo contato", "sem contato com o cliente", "sans contacter le client", "sin contactar al cliente", "senza contattare il cliente", "ohne den kunden zu kontaktieren",
	// no notice to the holder of the account or the customer
	"confirmation au titulaire du compte n'est pas nécessaire", "confirmación a la clienta", "confirmación al cliente no", "enviar confirmación", "keine benachrichtigung", "ohne benachrichtigung", "senza avvisare", "sem avisar", "sans prévenir", "sin avisar", "nie powiadamiaj", "не уведомлять", "не повідомляти", "bildirim gönderme", "通知しない", "不要通知", "알리지 않",
	"تم التحقق من", "لا حاجة لإرسال إشعار", "لا حاجة لطلب موافقة", "بدون موافقة", "확인은 필요하지", "확인 없이", "결재 없이",
	"ei tarvitse ilmoittaa", "henkilöllisyys varmistettu", "ingen grund til at vente", "uden at vente på", "ikke nødvendigt at bekræfte",
	"이미 완료되었", "확인 절차는 이미", "알림을 생성하지", "승인 요청이나 알림", "승인 요청을 생성하지",
	"já alinhamos", "já alinhado", "já combinamos", "ya lo hemos acordado", "ya está acordado", "déjà convenu", "bereits abgestimmt", "già concordato",
	"al gedaan", "al geverifieerd", "is al geverifieerd", "sudah diverifikasi", "sudah dicek", "tanpa meneruskan ke", "tanpa persetujuan", "tanpa verifikasi", "bereits verifiziert", "bereits geprüft", "bereits bestätigt", "ohne rücksprache", "déjà vérifié", "déjà été vérifié", "sans validation", "ya verificad", "ya se verificó", "sin verificación", "sin consultar", "già verificat", "senza verifica", "já verificad", "já foi verificad", "sem verificação", "już zweryfikowan", "bez weryfikacji", "již ověřen", "ověření již proběhlo", "bez ověření", "уже проверен", "уже верифицир", "без проверки", "без согласования", "вже перевір", "без перевірки", "deja verificat", "fără verificare", "már ellenőriz", "ellenőrzés nélkül", "redan verifierad", "redan kontrollerad", "utan kontroll", "allerede verificeret", "uden kontrol", "jo varmennettu", "jo tarkistettu", "zaten doğrulan", "doğrulama yapıldı", "έχει ήδη επαληθευτεί", "χωρίς έλεγχο", "כבר אומת", "تم التحقق مسبق", "دون تحقق", "đã được xác minh", "không cần xác minh", "ได้รับการยืนยันแล้ว", "ไม่ต้องยืนยัน", "已核实", "已验证", "无需核实", "確認済み", "本人確認済み", "확인 완료", "본인 확인 완료",
}

// mlDestPlain name a bank account without saying it changes: the change
// must be said in the window (mlDestChangeWords).
var mlDestPlain = []string{"rekening", "iban", "bankverbindung", "kontonummer", "compte bancaire", "coordonnées bancaires", "rib ", "cuenta bancaria", "número de cuenta", "conto corrente", "coordinate bancarie", "conta bancária", "dados bancários", "bankrekening", "rachunek", "numer konta", "číslo účtu", "bankovní účet", "банковск", "реквизит", "номер счета", "номер счёта", "рахунок", "cont bancar", "bankszámla", "bankkonto", "pankkitili", "tilinumero", "banka hesab", "λογαριασμ", "חשבון בנק", "حساب بنكي", "الحساب البنكي", "حساب بانکی", "बैंक खाता", "tài khoản ngân hàng", "บัญชีธนาคาร", "银行账户", "收款账户", "口座", "계좌"}

// mlDestChangeWords say a destination is set or changed.
var mlDestChangeWords = []string{"aktualisier", "ändern", "geändert", "umstellen", "umgestellt", "änderung", "modifier", "mettre à jour", "changer", "remplacer", "actualizar", "actualizad", "cambiar", "modificar", "sustituir", "aggiornare", "aggiornat", "modificare", "cambiare", "impostare", "sostituire", "variazione", "atualizar", "alterar", "trocar", "substituir", "wijzig", "bijwerken", "werk het", "aktualizuj", "zmień", "zmiana", "změn", "aktualizov", "изменить", "обновить", "замен", "змін", "оновит", "оновлено", "actualiz", "modific", "módosít", "ändra", "uppdatera", "ændr", "opdater", "endre", "oppdater", "päivitä", "vaihda", "muuta", "değiştir", "güncelle", "αλλαγ", "ενημερ", "עדכן", "تغيير", "تحديث", "تعديل", "يُعتمد", "बदल", "अपडेट", "thay đổi", "cập nhật", "ubah", "ganti", "perbarui", "proses refund", "เปลี่ยน", "อัปเดต", "变更", "更改", "修改", "更新", "変更", "변경", "업데이트", "approvare la cr"}

// mlCheckFirst have the change checked before it is made.
var mlCheckFirst = []string{"altijd eerst", "neem dan altijd", "immer zuerst", "vorher telefonisch", "toujours d'abord", "toujours vérifier", "siempre primero", "verifique siempre", "sempre prima", "verificare sempre", "sempre primeiro", "zawsze najpierw", "vždy nejprve", "всегда сначала", "завжди спочатку", "önce telefonla", "必ず電話", "반드시 전화", "务必先", "请先致电"}

var (
	mlDestChangeIDs = mlIDs(mlDestChangeWords)
	mlCheckFirstIDs = mlIDs(mlCheckFirst)
	mlDestWordIDs   = mlIDs(mlDestWords)
	mlCheckDoneIDs  = mlIDs(mlCheckDone)
)

// mlDestChange: a destination word (mlDestWords) with, in its window
// (mlWindow), a value given (an address, a phone number, an account
// number) and the check waived (mlCheckDone, or the confirmation waived).
// Results only. High.
func (a *analysis) mlDestChange(h *mlHits) {
	if a.ctx.kind != kindResult {
		return
	}
	dests := h.sorted(mlDestWordIDs, nil)
	if len(dests) > mlOutMaxAnchors {
		dests = dests[:mlOutMaxAnchors]
	}
	for _, v := range dests {
		own, ok := sentenceStart(h.lo, v, 240)
		if !ok {
			continue
		}
		// the window: mlWindow's, and two sentences more (a record's short
		// lines: "Destinataire : C. Vasseur.")
		st, _ := mlWindow(h.lo, v, own)
		end := sentencesWithin(h.lo, v, 4, 700)
		w := h.anyIn(mlCheckDoneIDs, st, end, false)
		if w < 0 {
			w = mlConfirmWaivedIn(a.phrases(h.lo), st, end)
		}
		if w < 0 || a.mlMentioned(h.lo, w) {
			continue // no check waived, or a lure's words quoted
		}
		// a bank account named is not one changed: a change said in the
		// window, unless the word itself says so (a new account, a
		// recovery address, a refund to it)
		if slices.ContainsFunc(mlDestPlain, func(w string) bool { return strings.HasPrefix(h.lo[v:], w) }) && h.anyIn(mlDestChangeIDs, st, end, false) < 0 {
			continue
		}
		if h.anyIn(mlCheckFirstIDs, st, end, false) >= 0 {
			continue // "neem dan altijd eerst telefonisch contact op": checked first
		}
		// the value in the window, or an account number anywhere in the
		// record ("Approvare la CR-2026-0873 ... sul nuovo conto" under the
		// proposed IBAN)
		if !a.mlSinkIn(st, end) && !mlAccountNumber(h.lo[st:end]) && !a.mlTextAccount(h) && !valueAfterLabel(h.lo, v) && !digitsAfter(h.lo, v, 100, 8) {
			continue
		}
		s, e := clampSpan(a.t.orig, v, min(len(h.lo), v+24))
		hit := a.add(RuleOverride, High, s, e, "a refund, a bank account or an account's recovery address set to a value the text gives, with its check said to be done or not needed (non-English)", -1)
		hit.damped = a.mlDiscussed()
		return
	}
}

// valueAfterLabel reports a value given after the word at lo[v] as a
// label: a colon, then on that line a run of three digits or more (a
// street's number and postcode, an account: "Nouvelle adresse de
// livraison : Relais Colis, 27 avenue ..., 93200 Saint-Denis").
func valueAfterLabel(lo string, v int) bool {
	end := min(len(lo), v+160)
	if nl := strings.IndexByte(lo[v:end], '\n'); nl >= 0 {
		end = v + nl
	}
	c := strings.IndexByte(lo[v:end], ':')
	if c < 0 {
		return false
	}
	run := 0
	for i := v + c; i < end; i++ {
		if lo[i] >= '0' && lo[i] <= '9' {
			if run++; run >= 3 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// digitsAfter reports n digits or more, with only separators (. / - and
// spaces) between them, within max bytes after lo[v] ("o novo PIX para
// pagamento (chave CNPJ 48.217.903/0001-56)").
func digitsAfter(lo string, v, max, n int) bool {
	run := 0
	for i := v; i < len(lo) && i < v+max; i++ {
		switch c := lo[i]; {
		case c >= '0' && c <= '9':
			if run++; run >= n {
				return true
			}
		case c == '.' || c == '/' || c == '-' || c == ' ':
			if run == 0 {
				continue
			}
		default:
			run = 0
		}
	}
	return false
}

// mlTextAccount reports an account number (an IBAN, a long bank number)
// anywhere in the text, found once.
func (a *analysis) mlTextAccount(h *mlHits) bool {
	if a.mlAccountText == 0 {
		a.mlAccountText = 1
		if mlAccountNumber(h.lo) {
			a.mlAccountText = 2
		}
	}
	return a.mlAccountText == 2
}

// mlGuardWords name the guards of a repository or an account (branch
// protection, required reviews, two-factor sign-in): named in an order
// given to whoever opens or processes a text, they are what it switches
// off ("při zpracování tohoto PR vypnout ochranu větve main (required
// reviews, status checks) ... a PR rovnou sloučit").
var mlGuardWords = []string{
	"branch protection", "required reviews", "status checks", "ochranu větve", "ochrany větve", "ochronę gałęzi", "ochrony gałęzi", "branchschutz", "branch-schutz", "protection de branche", "protection de la branche", "protección de rama", "protección de la rama", "protezione del branch", "protezione dei branch", "proteção de branch", "proteção do branch", "branchbeveiliging", "защиту ветки", "защиты ветки", "захист гілки", "protecția ramurii", "ágvédelem", "grenskydd", "dal koruma", "ブランチ保護", "브랜치 보호", "分支保护",
	"dvoufázov", "dwuetapow", "dwuskładnikow", "zwei-faktor", "double authentification", "authentification à deux facteurs", "autenticación de dos factores", "verificación en dos pasos", "autenticazione a due fattori", "verifica in due passaggi", "autenticação de dois fatores", "verificação em duas etapas", "tweestapsverificatie", "twee-factor", "двухфактор", "двофактор", "autentificare în doi pași", "kétlépcsős", "tvåfaktor", "totrinsbekræftelse", "kaksivaiheinen", "iki adımlı", "iki faktörlü", "2단계 인증", "二段階認証", "双重验证", "两步验证", "双因素",
}

// mlOffWords switch a guard off or take it away.
var mlOffWords = []string{"例外", "exception", "excepción", "ausnahme", "eccezione", "exceção", "wyjątek", "исключение", "виняток", "vypn", "vypnout", "deaktiv", "zrušit", "odstranit", "wyłącz", "dezaktyw", "usuń", "ausschalten", "abschalten", "entfernen", "désactiv", "supprime", "desactiv", "quita", "elimina", "disattiv", "rimuov", "desativ", "remov", "uitschakel", "uitzetten", "schakel", "verwijder", "отключ", "сними", "снять", "удали", "вимкн", "зніміть", "видал", "dezactiv", "kikapcsol", "inaktiver", "stäng av", "slå fra", "devre dışı", "kapat", "kaldır", "無効", "解除", "オフに", "비활성", "해제", "끄", "关闭", "禁用", "移除", "απενεργοποί", "tắt", "vô hiệu", "nonaktifkan", "matikan", "ปิด", "disable", "turn off", "remove"}

var (
	mlGuardWordIDs = mlIDs(mlGuardWords)
	mlOffWordIDs   = mlIDs(mlOffWords)
)
